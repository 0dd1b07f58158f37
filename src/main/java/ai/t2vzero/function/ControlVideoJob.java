package ai.t2vzero.function;

import ai.t2vzero.pipeline.ControlVideoParams;
import ai.t2vzero.video.CannyEdges;
import ai.t2vzero.video.VideoFormat;

/**
 * A validated edge-to-video or pose-to-video request: what {@link VideoJobs#controlVideo} runs.
 *
 * @param mode       the function name, for logs ({@code edge-to-video}, {@code pose-to-video})
 * @param model      Stable Diffusion bundle name
 * @param controlnet ControlNet bundle name
 * @param canny      edge detector applied to the input frames first, or null when the input video already holds
 *                   the control images (pose skeletons, edge maps)
 * @param seed       the seed actually used (drawn at random when the request had none)
 */
public record ControlVideoJob(String mode, String model, String controlnet, VideoInput input, CannyEdges canny,
                              ControlVideoParams params, long seed, VideoFormat format) {}
