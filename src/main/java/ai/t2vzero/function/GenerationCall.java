package ai.t2vzero.function;

import ai.t2vzero.pipeline.GenerationListener;

/**
 * One validated function call, ready to run: generates, encodes and stores the video, telling {@code listener}
 * how far it got. The listener may stop it (cancellation, deadline) by throwing
 * {@link ai.t2vzero.pipeline.GenerationStoppedException}, which comes out of {@link #run} unchanged. Blocking.
 */
@FunctionalInterface
public interface GenerationCall {

    TextToVideoResponse run(GenerationListener listener);
}
