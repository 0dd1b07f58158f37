package ai.t2vzero.function;

import io.quarkus.funqy.Context;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;

/**
 * {@code edge-to-video}: Text2Video-Zero's edge-guided generation (ControlNet on Canny edges). {@code POST
 * /edge-to-video} with JSON, or a CloudEvent of type {@code edge-to-video} (binary or structured) answered with type
 * {@code edge-to-video.output}. Validates the request ({@link EdgeToVideoRequest#resolve}), then hands it to
 * {@link VideoJobs}, which fetches the input video. Errors become JSON through {@link ErrorMapping}.
 */
public class EdgeToVideoFunction extends FunctionSupport {

    static final String NAME = "edge-to-video";

    @Funq("edge-to-video")
    public TextToVideoResponse edgeToVideo(EdgeToVideoRequest request, @Context CloudEvent<?> event) {
        return call(NAME, request, event);
    }

    void checkDefaults(@Observes StartupEvent event) {
        checkDefaults(NAME, () -> EdgeToVideoRequest.of("startup check", "upload:startup-check").resolve(config));
    }
}
