package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * diffusers' {@code ControlNetOutput}, as the UNet takes it (so model/unet does not depend on model/controlnet, which
 * builds on the UNet's blocks): residuals the UNet adds to its skip connections (one per down-path output
 * state, conv_in's first) and to its mid-block output, already multiplied by the conditioning scale.
 *
 * @param downBlockResSamples [B, C_i, h_i, w_i] per skip connection, in the UNet's order
 * @param midBlockResSample   [B, C_mid, h_mid, w_mid]
 */
public record ControlNetOutput(List<NDArray> downBlockResSamples, NDArray midBlockResSample) {

    public ControlNetOutput {
        downBlockResSamples = List.copyOf(downBlockResSamples);
        if (midBlockResSample == null) {
            throw new IllegalArgumentException("midBlockResSample is required");
        }
    }
}
