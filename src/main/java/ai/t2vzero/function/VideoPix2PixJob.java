package ai.t2vzero.function;

import ai.t2vzero.pipeline.VideoPix2PixParams;
import ai.t2vzero.video.VideoFormat;

/**
 * A validated video-pix2pix request: what {@link VideoJobs#videoPix2Pix} runs.
 *
 * @param model InstructPix2Pix bundle name (a Stable Diffusion folder whose UNet has 8 input channels)
 * @param seed  the seed actually used (drawn at random when the request had none)
 */
public record VideoPix2PixJob(String model, VideoInput input, VideoPix2PixParams params, long seed,
                              VideoFormat format) {}
