package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.pipeline.VideoPix2PixParams;
import ai.t2vzero.pipeline.VideoPix2PixPipeline;

/**
 * Body of {@code video-pix2pix}: Text2Video-Zero's "Video Instruct-Pix2Pix" (instruction-guided video editing).
 * {@code prompt} (the instruction, e.g. "make it Van Gogh Starry Night style") and {@code video} are required;
 * every other field falls back to {@code t2v.defaults.*} ({@code t2v.defaults.pix2pix.*} for the mode's own).
 *
 * @param model              an InstructPix2Pix bundle (default t2v.defaults.pix2pix.model)
 * @param video              {@code upload:<id>} from POST /uploads, or an http(s) URL
 * @param fps                rate the video is sampled at and the result plays at
 * @param resolution         longer side of the frames (both sides are rounded to multiples of 64)
 * @param imageGuidanceScale how closely the result follows the input frames
 */
public record VideoPix2PixRequest(
        String prompt,
        String negativePrompt,
        String model,
        String video,
        Integer videoLength,
        Integer fps,
        Integer resolution,
        Integer numInferenceSteps,
        Double guidanceScale,
        Double imageGuidanceScale,
        Integer chunkSize,
        Long seed,
        String format,
        String scheduler,
        Boolean useCrossFrameAttention,
        Double mergingRatio,
        Integer timeoutSeconds,
        String webhook) implements VideoModeRequest, AsyncFields {

    /** A request with only a prompt and a video: every other field takes its default. */
    public static VideoPix2PixRequest of(String prompt, String video) {
        return new VideoPix2PixRequest(prompt, null, null, video, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null);
    }

    public VideoPix2PixJob resolve(T2vConfig config) {
        return resolve(config.defaults(), config.limits(), GenerationRequest.randomSeed());
    }

    /**
     * Merges defaults into the absent fields and validates every value.
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    public VideoPix2PixJob resolve(T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        T2vConfig.Pix2pix p = d.pix2pix();
        Common c = resolveCommon(p.model(), p.numInferenceSteps(), p.guidanceScale(),
                VideoPix2PixPipeline.DEFAULT_SCHEDULER, d, limits, randomSeed);
        double imageGuidanceV = imageGuidanceScale != null ? imageGuidanceScale : p.imageGuidanceScale();
        RequestChecks.nonNegative("imageGuidanceScale", imageGuidanceV);
        VideoPix2PixParams params = new VideoPix2PixParams(c.prompt(), c.negativePrompt(), c.numInferenceSteps(),
                c.guidanceScale(), imageGuidanceV, c.chunkSize(), c.scheduler(), crossFrameAttention(d),
                c.mergingRatio());
        return new VideoPix2PixJob(c.model(), c.input(), params, c.seed(), c.format());
    }
}
