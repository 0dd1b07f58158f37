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
 * {@code video-pix2pix}: Text2Video-Zero's Video Instruct-Pix2Pix (instruction-guided video editing). {@code POST /video-pix2pix} with JSON, or a CloudEvent of type {@code video-pix2pix} (binary or
 * structured) answered with type {@code video-pix2pix.output}. Validates the request ({@link VideoPix2PixRequest#resolve}), then
 * hands it to {@link VideoJobs}, which fetches the input video. Errors become JSON through {@link ErrorMapping}.
 */
public class VideoPix2PixFunction {

    static final String NAME = "video-pix2pix";

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

    @Funq("video-pix2pix")
    public TextToVideoResponse videoPix2Pix(VideoPix2PixRequest request) {
        var job = resolved(request);
        return jobs.videoPix2Pix(job, urls.publicBaseUrl(currentRequest.getCurrent()));
    }

    /** Validates {@code request}, counting a rejection in the metrics. */
    private VideoPix2PixJob resolved(VideoPix2PixRequest request) {
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
            VideoPix2PixRequest.of("startup check", "upload:startup-check").resolve(config);
        } catch (InvalidFieldException e) {
            throw new IllegalStateException("t2v.defaults / t2v.limits give an invalid " + NAME + " request: "
                    + e.getMessage(), e);
        }
    }
}
