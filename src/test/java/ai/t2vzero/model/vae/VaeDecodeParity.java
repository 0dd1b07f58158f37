package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.testing.TensorAssert;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code vae_decode}: UNet-scale {@code latents} -> {@code z = latents / scaling_factor} (checked against the case's
 * stored {@code z}) -> {@code image} (decoder output, unclamped) and {@code image_np} (NHWC,
 * {@code (image / 2 + 0.5).clamp(0, 1)}), plus the {@code debug/post_quant_conv} and {@code debug/decoder.*}
 * intermediates. {@code image_np} is also recomputed through {@link AutoencoderKL#decodeFrames}, the pipeline's
 * path, which must agree with the batched decode.
 */
public final class VaeDecodeParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        AutoencoderKL vae = VaeParitySupport.load(c, manager);
        Map<String, NDArray> out = new LinkedHashMap<>();
        NDArray latents = c.tensor("latents", manager);
        NDArray z = latents.div(vae.scalingFactor());
        // the stored z is the reference's own latents / scaling_factor: our scale must reproduce it
        TensorAssert.assertClose(c.name() + "/z", z, c.tensor("z", manager), c.rtol(), c.atol("image"));
        NDArray image = vae.decode(z, VaeParitySupport.debugTap(c, manager, out));
        NDArray imageNp = AutoencoderKL.toFrames(image);
        // the pipeline's chunked path (one frame at a time) must give the same frames
        NDArray frames = vae.decodeFrames(latents, 1);
        TensorAssert.assertClose(c.name() + "/decodeFrames", frames, imageNp, 0, 1e-5);
        out.put("image", image);
        out.put("image_np", imageNp);
        return out;
    }
}
