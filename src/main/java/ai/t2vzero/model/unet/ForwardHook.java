package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;

/**
 * Sees the output of named submodules during a forward call, like a torch forward hook (names as in the checkpoint:
 * {@code time_embedding}, {@code down_blocks.0.resnets.0}, {@code mid_block}, ...; for blocks that return a tuple,
 * the hidden states). Used to localize parity divergences. The array belongs to the forward call's scope and is
 * closed when its block returns: copy what you keep.
 */
@FunctionalInterface
public interface ForwardHook {

    ForwardHook NONE = (module, output) -> { };

    void onOutput(String module, NDArray output);
}
