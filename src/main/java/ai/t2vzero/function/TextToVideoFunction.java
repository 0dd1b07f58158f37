package ai.t2vzero.function;

import io.quarkus.funqy.Context;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;

/**
 * {@code text-to-video}: {@code POST /text-to-video} with JSON, or a CloudEvent of type {@code text-to-video}
 * (binary or structured) answered with type {@code text-to-video.output}. Validates the request
 * ({@link TextToVideoRequest#resolve}), then hands it to {@link VideoJobs}. Errors become JSON through
 * {@link ErrorMapping}.
 */
public class TextToVideoFunction extends FunctionSupport {

    static final String NAME = "text-to-video";

    @Funq("text-to-video")
    public TextToVideoResponse textToVideo(TextToVideoRequest request, @Context CloudEvent<?> event) {
        return call(NAME, request, event);
    }

    void checkDefaults(@Observes StartupEvent event) {
        checkDefaults(NAME, () -> TextToVideoRequest.ofPrompt("startup check").resolve(config));
    }
}
