package ai.t2vzero.function;

import jakarta.enterprise.event.Observes;
import ai.t2vzero.ops.JobMetrics;
import jakarta.inject.Inject;

import ai.t2vzero.artifact.ArtifactUrls;
import ai.t2vzero.config.T2vConfig;
import io.quarkus.funqy.Funq;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;

/**
 * {@code pose-to-video}: Text2Video-Zero's pose-guided generation (ControlNet on OpenPose skeletons). {@code POST /pose-to-video} with JSON, or a CloudEvent of type {@code pose-to-video} (binary or
 * structured) answered with type {@code pose-to-video.output}. Validates the request ({@link PoseToVideoRequest#resolve}), then
 * hands it to {@link VideoJobs}, which fetches the input video. Errors become JSON through {@link ErrorMapping}.
 */
public class PoseToVideoFunction {

    static final String NAME = "pose-to-video";

    @Inject
    T2vConfig config;

    @Inject
    VideoJobs jobs;

    @Inject
    JobMetrics metrics;

    @Inject
    ArtifactUrls urls;

    @Inject
    CurrentVertxRequest currentRequest;

    @Funq("pose-to-video")
    public TextToVideoResponse poseToVideo(PoseToVideoRequest request) {
        var job = resolved(request);
        return jobs.controlVideo(job, urls.publicBaseUrl(currentRequest.getCurrent()));
    }

    /** Validates {@code request}, counting a rejection in the metrics. */
    private ControlVideoJob resolved(PoseToVideoRequest request) {
        try {
            if (request == null) { // empty body
                throw new InvalidFieldException("prompt", "prompt must not be blank (the request body is empty)");
            }
            return request.resolve(config);
        } catch (InvalidFieldException e) {
            metrics.rejected(NAME);
            throw e;
        }
    }

    /** Fails startup when t2v.defaults.* / t2v.limits.* could never give a valid request. */
    void checkDefaults(@Observes StartupEvent event) {
        try {
            PoseToVideoRequest.of("startup check", "upload:startup-check").resolve(config);
        } catch (InvalidFieldException e) {
            throw new IllegalStateException("t2v.defaults / t2v.limits give an invalid " + NAME + " request: "
                    + e.getMessage(), e);
        }
    }
}
