package ai.t2vzero.function;

import io.quarkus.funqy.Context;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;

/**
 * {@code pose-to-video}: Text2Video-Zero's pose-guided generation (ControlNet on OpenPose skeletons). {@code POST
 * /pose-to-video} with JSON, or a CloudEvent of type {@code pose-to-video} (binary or structured) answered with type
 * {@code pose-to-video.output}. Validates the request ({@link PoseToVideoRequest#resolve}), then hands it to
 * {@link VideoJobs}, which fetches the input video. Errors become JSON through {@link ErrorMapping}.
 */
public class PoseToVideoFunction extends FunctionSupport {

    static final String NAME = "pose-to-video";

    @Funq("pose-to-video")
    public TextToVideoResponse poseToVideo(PoseToVideoRequest request, @Context CloudEvent<?> event) {
        return call(NAME, request, event);
    }

    void checkDefaults(@Observes StartupEvent event) {
        checkDefaults(NAME, () -> PoseToVideoRequest.of("startup check", "upload:startup-check").resolve(config));
    }
}
