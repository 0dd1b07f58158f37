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
 * {@code edge-to-video}: Text2Video-Zero's edge-guided generation (ControlNet on Canny edges). {@code POST /edge-to-video} with JSON, or a CloudEvent of type {@code edge-to-video} (binary or
 * structured) answered with type {@code edge-to-video.output}. Validates the request ({@link EdgeToVideoRequest#resolve}), then
 * hands it to {@link VideoJobs}, which fetches the input video. Errors become JSON through {@link ErrorMapping}.
 */
public class EdgeToVideoFunction {

    static final String NAME = "edge-to-video";

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

    @Funq("edge-to-video")
    public TextToVideoResponse edgeToVideo(EdgeToVideoRequest request) {
        var job = resolved(request);
        return jobs.controlVideo(job, urls.publicBaseUrl(currentRequest.getCurrent()));
    }

    /** Validates {@code request}, counting a rejection in the metrics. */
    private ControlVideoJob resolved(EdgeToVideoRequest request) {
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
            EdgeToVideoRequest.of("startup check", "upload:startup-check").resolve(config);
        } catch (InvalidFieldException e) {
            throw new IllegalStateException("t2v.defaults / t2v.limits give an invalid " + NAME + " request: "
                    + e.getMessage(), e);
        }
    }
}
