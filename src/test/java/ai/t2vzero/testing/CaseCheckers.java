package ai.t2vzero.testing;

import ai.t2vzero.model.clip.ClipTextModelParity;
import ai.t2vzero.model.clip.ClipTokenizerParity;
import ai.t2vzero.model.controlnet.ControlNetModelParity;
import ai.t2vzero.model.nn.BipartiteSoftMatchingParity;
import ai.t2vzero.model.unet.UNet2DConditionModelParity;
import ai.t2vzero.model.vae.VaeDecodeParity;
import ai.t2vzero.model.vae.VaeEncodeParity;
import ai.t2vzero.pipeline.ControlVideoPipelineParity;
import ai.t2vzero.pipeline.MotionFieldParity;
import ai.t2vzero.pipeline.TextToVideoZeroPipelineParity;
import ai.t2vzero.pipeline.VideoPix2PixPipelineParity;
import ai.t2vzero.scheduler.SchedulerParity;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which checker checks each manifest kind, registered by constructor reference: renaming or removing a checker
 * fails to compile instead of silently skipping its cases. A kind not in this table is a failure (an unknown kind
 * must not pass unnoticed), and so is a known kind without a checker.
 */
public final class CaseCheckers {

    private static final Map<String, Supplier<CaseChecker>> BY_KIND = Map.ofEntries(
            Map.entry("tokenizer", ClipTokenizerParity::new),
            Map.entry("text_encoder", ClipTextModelParity::new),
            Map.entry("unet", UNet2DConditionModelParity::new),
            Map.entry("controlnet", ControlNetModelParity::new),
            Map.entry("vae_encode", VaeEncodeParity::new),
            Map.entry("vae_decode", VaeDecodeParity::new),
            Map.entry("scheduler", SchedulerParity::new),
            Map.entry("warp", MotionFieldParity::new),
            Map.entry("pipeline_text2video", TextToVideoZeroPipelineParity::new),
            Map.entry("pipeline_controlnet_video", ControlVideoPipelineParity::new),
            Map.entry("pipeline_pix2pix_video", VideoPix2PixPipelineParity::new),
            Map.entry("token_merging", BipartiteSoftMatchingParity::new));

    private CaseCheckers() {}

    public static boolean knownKind(String kind) {
        return BY_KIND.containsKey(kind);
    }

    /** The checker for {@code kind}, or empty for an unknown kind. */
    public static Optional<CaseChecker> forKind(String kind) {
        Supplier<CaseChecker> checker = BY_KIND.get(kind);
        return checker == null ? Optional.empty() : Optional.of(checker.get());
    }
}
