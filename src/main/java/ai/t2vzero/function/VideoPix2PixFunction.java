package ai.t2vzero.function;

import io.quarkus.funqy.Context;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;

/**
 * {@code video-pix2pix}: Text2Video-Zero's Video Instruct-Pix2Pix (instruction-guided video editing). {@code POST
 * /video-pix2pix} with JSON, or a CloudEvent of type {@code video-pix2pix} (binary or structured) answered with type
 * {@code video-pix2pix.output}. Validates the request ({@link VideoPix2PixRequest#resolve}), then hands it to
 * {@link VideoJobs}, which fetches the input video. Errors become JSON through {@link ErrorMapping}.
 */
public class VideoPix2PixFunction extends FunctionSupport {

    static final String NAME = "video-pix2pix";

    @Funq("video-pix2pix")
    public TextToVideoResponse videoPix2Pix(VideoPix2PixRequest request, @Context CloudEvent<?> event) {
        return call(NAME, request, event);
    }

    void checkDefaults(@Observes StartupEvent event) {
        checkDefaults(NAME, () -> VideoPix2PixRequest.of("startup check", "upload:startup-check").resolve(config));
    }
}
