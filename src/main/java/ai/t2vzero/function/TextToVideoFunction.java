package ai.t2vzero.function;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import ai.t2vzero.artifact.ArtifactUrls;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.ops.JobMetrics;
import ai.t2vzero.pipeline.TextToVideoParams;
import io.quarkus.funqy.Funq;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;

/**
 * {@code text-to-video}: {@code POST /text-to-video} with JSON, or a CloudEvent of type {@code text-to-video}
 * (binary or structured) answered with type {@code text-to-video.output}. Validates the request, then hands
 * it to {@link VideoJobs}. Errors become JSON through {@link ErrorMapping}.
 */
public class TextToVideoFunction {

    @Inject
    T2vConfig config;

    @Inject
    VideoJobs jobs;

    @Inject
    ArtifactUrls urls;

    @Inject
    CurrentVertxRequest currentRequest;

    @Inject
    JobMetrics metrics;

    @Funq("text-to-video")
    public TextToVideoResponse textToVideo(TextToVideoRequest request) {
        TextToVideoParams params;
        try {
            if (request == null) { // empty body
                throw new InvalidFieldException("prompt", "prompt must not be blank (the request body is empty)");
            }
            params = request.resolve(config);
        } catch (InvalidFieldException e) {
            metrics.rejected("text-to-video");
            throw e;
        }
        return jobs.textToVideo(params, urls.publicBaseUrl(currentRequest.getCurrent()));
    }

    /** Fails startup when t2v.defaults.* / t2v.limits.* could never give a valid request. */
    void checkDefaults(@Observes StartupEvent event) {
        try {
            TextToVideoRequest.ofPrompt("startup check").resolve(config);
        } catch (InvalidFieldException e) {
            throw new IllegalStateException("t2v.defaults / t2v.limits give an invalid text-to-video request: "
                    + e.getMessage(), e);
        }
    }
}
