package ai.t2vzero.pipeline;

import java.util.Objects;

/**
 * Arguments of one Video Instruct-Pix2Pix edit ({@link VideoPix2PixPipeline}): the camelCase forms of diffusers'
 * {@code StableDiffusionInstructPix2PixPipeline.__call__} arguments. The number of frames and their size come from
 * the input video.
 *
 * @param prompt             the edit instruction ("make it Van Gogh Starry Night style")
 * @param negativePrompt     "" for none
 * @param guidanceScale      text guidance: pushes the result towards the instruction
 * @param imageGuidanceScale image guidance: pushes the result towards the input frames
 * @param chunkSize          frames per UNet call, frame 0 included in every chunk
 * @param scheduler          scheduler kind for {@code Schedulers.fromConfig}: {@value VideoPix2PixPipeline#DEFAULT_SCHEDULER}
 *                           as Text2Video-Zero uses
 * @param useCrossFrameAttention the original app's {@code use_cf_attn}: false = plain self-attention per frame
 * @param mergingRatio       the original app's token merging (tomesd; 0 = off)
 */
public record VideoPix2PixParams(
        String prompt,
        String negativePrompt,
        int numInferenceSteps,
        double guidanceScale,
        double imageGuidanceScale,
        int chunkSize,
        String scheduler,
        boolean useCrossFrameAttention,
        double mergingRatio) {

    public VideoPix2PixParams {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(negativePrompt, "negativePrompt");
        Objects.requireNonNull(scheduler, "scheduler");
    }

    /** Params with cross-frame attention on and no token merging (the original app's defaults). */
    public VideoPix2PixParams(String prompt, String negativePrompt, int numInferenceSteps, double guidanceScale,
            double imageGuidanceScale, int chunkSize, String scheduler) {
        this(prompt, negativePrompt, numInferenceSteps, guidanceScale, imageGuidanceScale, chunkSize, scheduler, true,
                0);
    }

    /** Params with cross-frame attention as given, no token merging. */
    public VideoPix2PixParams(String prompt, String negativePrompt, int numInferenceSteps, double guidanceScale,
            double imageGuidanceScale, int chunkSize, String scheduler, boolean useCrossFrameAttention) {
        this(prompt, negativePrompt, numInferenceSteps, guidanceScale, imageGuidanceScale, chunkSize, scheduler,
                useCrossFrameAttention, 0);
    }

    /** These params with another chunk size (never changes the video). */
    public VideoPix2PixParams withChunkSize(int newChunkSize) {
        return new VideoPix2PixParams(prompt, negativePrompt, numInferenceSteps, guidanceScale, imageGuidanceScale,
                newChunkSize, scheduler, useCrossFrameAttention, mergingRatio);
    }

    /** These params with token merging at {@code ratio} (0: off). */
    public VideoPix2PixParams withMergingRatio(double ratio) {
        return new VideoPix2PixParams(prompt, negativePrompt, numInferenceSteps, guidanceScale, imageGuidanceScale,
                chunkSize, scheduler, useCrossFrameAttention, ratio);
    }

    /** diffusers: {@code guidance_scale > 1 and image_guidance_scale >= 1}: three-way guidance. */
    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1.0 && imageGuidanceScale >= 1.0;
    }
}
