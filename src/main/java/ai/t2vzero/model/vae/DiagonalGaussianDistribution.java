package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.runtime.NoiseSource;

/**
 * diffusers' {@code DiagonalGaussianDistribution}: the encoder's latent distribution N(mean, std^2), per element.
 *
 * @param mean   [B, latent, h, w]: the first half of the moments' channels
 * @param logvar [B, latent, h, w]: the second half, clamped to [-30, 20]
 * @param std    [B, latent, h, w]: {@code exp(logvar / 2)}
 */
public record DiagonalGaussianDistribution(NDArray mean, NDArray logvar, NDArray std) implements AutoCloseable {

    /** Lower and upper clamp of logvar, as diffusers. */
    public static final float LOGVAR_MIN = -30f;
    public static final float LOGVAR_MAX = 20f;

    /** From moments [B, 2 * latent, h, w] (mean channels first). */
    public static DiagonalGaussianDistribution fromMoments(NDArray moments) {
        long c = moments.getShape().get(1);
        if (c % 2 != 0) {
            throw new IllegalArgumentException("moments need an even channel count, got " + moments.getShape());
        }
        long half = c / 2;
        NDArray mean = moments.get(":, :" + half).duplicate();                       // [B, latent, h, w]
        NDArray rawLogvar = moments.get(":, " + half + ":");                         // [B, latent, h, w] (view)
        NDArray logvar = rawLogvar.clip(LOGVAR_MIN, LOGVAR_MAX);
        rawLogvar.close();
        NDArray halfLogvar = logvar.mul(0.5f);
        NDArray std = halfLogvar.exp();                                                  // exp(0.5 * logvar)
        halfLogvar.close();
        return new DiagonalGaussianDistribution(mean, logvar, std);
    }

    /** {@code mean + std * noise}, noise ~ N(0, 1) of the mean's shape. */
    public NDArray sample(NDArray noise) {
        return std.mul(noise).addi(mean);
    }

    /** {@link #sample(NDArray)} with noise drawn from {@code noise} ({@code caller} names the draw site). */
    public NDArray sample(NoiseSource noise, String caller) {
        NDManager m = mean.getManager();
        NDArray eps = noise.randn(m, mean.getShape(), caller);
        if (eps.getDataType() != mean.getDataType()) {
            NDArray cast = eps.toType(mean.getDataType(), false);
            eps.close();
            eps = cast;
        }
        NDArray out = sample(eps);
        eps.close();
        return out;
    }

    /** The distribution's mode: the mean (what instruct-pix2pix encodes its image with). */
    public NDArray mode() {
        return mean;
    }

    @Override
    public void close() {
        mean.close();
        logvar.close();
        std.close();
    }
}
