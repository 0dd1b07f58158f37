package ai.t2vzero.pipeline;

import java.util.Objects;

/**
 * Arguments of one ControlNet video generation ({@link ControlVideoPipeline}): the camelCase forms of diffusers'
 * {@code StableDiffusionControlNetPipeline.__call__} arguments that Text2Video-Zero's edge and pose modes set. The
 * number of frames and their size come from the control video itself.
 *
 * @param negativePrompt              "" for none (diffusers' unconditional prompt)
 * @param guidanceScale               classifier-free guidance; values <= 1 turn it off
 * @param controlnetConditioningScale multiplies every ControlNet residual
 * @param eta                         DDIM eta (0 = deterministic DDIM)
 * @param chunkSize                   frames per UNet call, frame 0 included in every chunk
 * @param scheduler                   scheduler kind for {@code Schedulers.fromConfig}: {@value ControlVideoPipeline#DEFAULT_SCHEDULER}
 *                                    as Text2Video-Zero uses
 * @param useCrossFrameAttention      the original app's {@code use_cf_attn}: false = plain self-attention per frame
 * @param mergingRatio                the original app's token merging in the UNet (tomesd; 0 = off); never the
 *                                    ControlNet's
 */
public record ControlVideoParams(
        String prompt,
        String negativePrompt,
        int numInferenceSteps,
        double guidanceScale,
        double controlnetConditioningScale,
        double eta,
        int chunkSize,
        String scheduler,
        boolean useCrossFrameAttention,
        double mergingRatio) {

    public ControlVideoParams {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(negativePrompt, "negativePrompt");
        Objects.requireNonNull(scheduler, "scheduler");
    }

    /** Params with cross-frame attention on and no token merging (the original app's defaults). */
    public ControlVideoParams(String prompt, String negativePrompt, int numInferenceSteps, double guidanceScale,
            double controlnetConditioningScale, double eta, int chunkSize, String scheduler) {
        this(prompt, negativePrompt, numInferenceSteps, guidanceScale, controlnetConditioningScale, eta, chunkSize,
                scheduler, true, 0);
    }

    /** Params with cross-frame attention as given, no token merging. */
    public ControlVideoParams(String prompt, String negativePrompt, int numInferenceSteps, double guidanceScale,
            double controlnetConditioningScale, double eta, int chunkSize, String scheduler,
            boolean useCrossFrameAttention) {
        this(prompt, negativePrompt, numInferenceSteps, guidanceScale, controlnetConditioningScale, eta, chunkSize,
                scheduler, useCrossFrameAttention, 0);
    }

    /** These params with another chunk size (never changes the video). */
    public ControlVideoParams withChunkSize(int newChunkSize) {
        return new ControlVideoParams(prompt, negativePrompt, numInferenceSteps, guidanceScale,
                controlnetConditioningScale, eta, newChunkSize, scheduler, useCrossFrameAttention, mergingRatio);
    }

    /** These params with token merging at {@code ratio} (0: off). */
    public ControlVideoParams withMergingRatio(double ratio) {
        return new ControlVideoParams(prompt, negativePrompt, numInferenceSteps, guidanceScale,
                controlnetConditioningScale, eta, chunkSize, scheduler, useCrossFrameAttention, ratio);
    }

    /** diffusers: {@code do_classifier_free_guidance = guidance_scale > 1}. */
    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1.0;
    }
}
