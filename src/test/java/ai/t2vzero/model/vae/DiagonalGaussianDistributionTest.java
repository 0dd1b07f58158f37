package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.RecordedNoise;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class DiagonalGaussianDistributionTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void splitsClampsAndSamples() {
        try (NDManager m = NDManager.newBaseManager()) {
            // moments [1, 2, 1, 3]: channel 0 = mean, channel 1 = logvar (one value beyond each clamp)
            NDArray moments = m.create(new float[] {1f, -2f, 0.5f, 40f, -50f, 2f}, new Shape(1, 2, 1, 3));
            try (DiagonalGaussianDistribution d = DiagonalGaussianDistribution.fromMoments(moments)) {
                assertEquals(new Shape(1, 1, 1, 3), d.mean().getShape());
                assertArrayEquals(new float[] {1f, -2f, 0.5f}, d.mean().toFloatArray());
                assertArrayEquals(new float[] {20f, -30f, 2f}, d.logvar().toFloatArray());
                float[] std = {(float) Math.exp(10), (float) Math.exp(-15), (float) Math.exp(1)};
                assertArrayEquals(std, d.std().toFloatArray(), 1e-6f * (float) Math.exp(10));
                assertSame(d.mean(), d.mode());
                NDArray noise = m.create(new float[] {0.5f, 1f, -1f}, new Shape(1, 1, 1, 3));
                float[] expected = {1f + std[0] * 0.5f, -2f + std[1], 0.5f - std[2]};
                assertArrayEquals(expected, d.sample(noise).toFloatArray(), 1e-3f);
                // the recorded-noise path draws one tensor of the mean's shape
                RecordedNoise recorded = new RecordedNoise(List.of(noise));
                assertArrayEquals(expected, d.sample(recorded, "vae.sample").toFloatArray(), 1e-3f);
                assertEquals(1, recorded.consumed());
            }
        }
    }
}
