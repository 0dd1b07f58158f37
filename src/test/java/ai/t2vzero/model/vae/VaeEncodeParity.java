package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.runtime.RecordedNoise;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityCase;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vae_encode}: {@code image} -> {@code mean}, {@code std}, {@code logvar} of the latent distribution,
 * {@code sample} (drawn with the recorded {@code noise_000}) and {@code latents_scaled = sample * scaling_factor}
 * (from the VAE's config), plus the {@code debug/encoder.*} and {@code debug/quant_conv} intermediates.
 */
public final class VaeEncodeParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        AutoencoderKL vae = VaeParitySupport.load(c, manager);
        Map<String, NDArray> out = new LinkedHashMap<>();
        NDArray image = c.tensor("image", manager);
        DiagonalGaussianDistribution dist = vae.encode(image, VaeParitySupport.debugTap(c, manager, out));
        RecordedNoise noise = new RecordedNoise(List.of(c.tensor("noise_000", manager)));
        NDArray sample = dist.sample(noise, "vae.sample");
        out.put("mean", dist.mean());
        out.put("std", dist.std());
        out.put("logvar", dist.logvar());
        out.put("sample", sample);
        out.put("latents_scaled", sample.mul(vae.scalingFactor()));
        return out;
    }
}
