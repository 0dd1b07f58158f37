package ai.t2vzero.pipeline;

import ai.t2vzero.video.VideoFormat;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Fully resolved and validated arguments of one text-to-video generation: every request default has been
 * merged in and every bound checked ({@code ai.t2vzero.function.TextToVideoRequest#resolve} is the only
 * producer). Field names are the camelCase forms of diffusers' {@code TextToVideoZeroPipeline.__call__}
 * arguments; {@code seed} is the one actually used (drawn at random when the request had none) so that the
 * response can echo it.
 */
public record TextToVideoParams(
        String prompt,
        String negativePrompt,
        String model,
        int videoLength,
        int height,
        int width,
        int numInferenceSteps,
        double guidanceScale,
        double motionFieldStrengthX,
        double motionFieldStrengthY,
        int t0,
        int t1,
        double eta,
        int chunkSize,
        long seed,
        SchedulerName scheduler,
        VideoFormat format,
        int fps) {

    public TextToVideoParams {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(negativePrompt, "negativePrompt");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(format, "format");
    }

    /** These params with height/width 0 ("the bundle's native size") replaced by {@code nativeSize}. */
    public TextToVideoParams withNativeSize(int nativeSize) {
        return new TextToVideoParams(prompt, negativePrompt, model, videoLength, height == 0 ? nativeSize : height,
                width == 0 ? nativeSize : width, numInferenceSteps, guidanceScale, motionFieldStrengthX,
                motionFieldStrengthY, t0, t1, eta, chunkSize, seed, scheduler, format, fps);
    }

    /** These params with another chunk size (frames per all-frames UNet call; never changes the video). */
    public TextToVideoParams withChunkSize(int newChunkSize) {
        return new TextToVideoParams(prompt, negativePrompt, model, videoLength, height, width, numInferenceSteps,
                guidanceScale, motionFieldStrengthX, motionFieldStrengthY, t0, t1, eta, newChunkSize, seed, scheduler,
                format, fps);
    }

    /** Whether classifier-free guidance runs (diffusers: {@code do_classifier_free_guidance = guidance_scale > 1}). */
    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1.0;
    }

    /** Schedulers a request may name. */
    public enum SchedulerName {
        DDIM,
        PNDM;

        /** The name used in requests and config: "ddim", "pndm". */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<SchedulerName> parse(String s) {
            for (SchedulerName v : values()) {
                if (v.id().equalsIgnoreCase(s.strip())) {
                    return Optional.of(v);
                }
            }
            return Optional.empty();
        }
    }
}
