package ai.t2vzero.pipeline;

import ai.t2vzero.runtime.StageTimer;

/**
 * How one pipeline call runs, apart from its request: where its randomness comes from, where stage times and
 * traced intermediates go, diffusers' optional {@code frame_ids} (motion index per frame, null = the frame index),
 * whether to stop at the final latents instead of decoding them, and who hears of every step (and may stop the run).
 */
public record GenerationRun(VideoNoise noise, StageTimer timer, PipelineTrace trace, int[] frameIds,
                            boolean outputLatents, GenerationListener listener) {

    public GenerationRun(VideoNoise noise, StageTimer timer, PipelineTrace trace, int[] frameIds, boolean outputLatents) {
        this(noise, timer, trace, frameIds, outputLatents, GenerationListener.NONE);
    }

    public static GenerationRun of(VideoNoise noise, StageTimer timer) {
        return new GenerationRun(noise, timer, PipelineTrace.NONE, null, false);
    }

    /** This run with {@code l} listening. */
    public GenerationRun withListener(GenerationListener l) {
        return new GenerationRun(noise, timer, trace, frameIds, outputLatents, l);
    }
}
