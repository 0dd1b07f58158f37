package ai.t2vzero.testing;

import java.util.Map;
import java.util.Optional;

/**
 * Which class checks each manifest kind. A kind whose checker class does not exist (yet) is reported as
 * "pending"; a kind not in this table at all is a failure (an unknown kind must not pass unnoticed).
 */
public final class CaseCheckers {

    private static final Map<String, String> BY_KIND = Map.ofEntries(
            Map.entry("tokenizer", "ai.t2vzero.model.clip.ClipTokenizerParity"),
            Map.entry("text_encoder", "ai.t2vzero.model.clip.ClipTextModelParity"),
            Map.entry("unet", "ai.t2vzero.model.unet.UNet2DConditionModelParity"),
            Map.entry("controlnet", "ai.t2vzero.model.controlnet.ControlNetModelParity"),
            Map.entry("vae_encode", "ai.t2vzero.model.vae.VaeEncodeParity"),
            Map.entry("vae_decode", "ai.t2vzero.model.vae.VaeDecodeParity"),
            Map.entry("scheduler", "ai.t2vzero.scheduler.SchedulerParity"),
            Map.entry("warp", "ai.t2vzero.pipeline.MotionFieldParity"),
            Map.entry("pipeline_text2video", "ai.t2vzero.pipeline.TextToVideoZeroPipelineParity"),
            Map.entry("pipeline_controlnet_video", "ai.t2vzero.pipeline.ControlVideoPipelineParity"),
            Map.entry("pipeline_pix2pix_video", "ai.t2vzero.pipeline.VideoPix2PixPipelineParity"));

    private CaseCheckers() {}

    public static boolean knownKind(String kind) {
        return BY_KIND.containsKey(kind);
    }

    /** The checker for {@code kind}, or empty when it is not implemented yet. */
    public static Optional<CaseChecker> forKind(String kind) {
        String cls = BY_KIND.get(kind);
        if (cls == null) {
            return Optional.empty();
        }
        try {
            return Optional.of((CaseChecker) Class.forName(cls).getDeclaredConstructor().newInstance());
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot instantiate " + cls, e);
        }
    }
}
