package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.weights.ConfigJson;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

/** Configs from JSON text and noise sources that count or refuse draws, for the scheduler unit tests. */
final class SchedulerTestSupport {

    /** SD 1.5's betas and spacing, as in the reference's scheduler configs. */
    static final String SD15 = "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", "
            + "\"num_train_timesteps\": 1000, \"steps_offset\": 1";

    private SchedulerTestSupport() {}

    static ConfigJson json(String body) {
        try {
            return new ConfigJson(new ObjectMapper().readTree("{" + body + "}"), "test-config");
        } catch (Exception e) {
            throw new IllegalArgumentException(body, e);
        }
    }

    static SchedulerConfig config(String className, String extra) {
        return SchedulerConfig.read(json(SD15 + (extra.isEmpty() ? "" : ", " + extra)), className);
    }

    /** Draws a constant and records the shape of every draw. */
    static final class CountingNoise implements NoiseSource {
        final List<Shape> shapes = new ArrayList<>();
        private final float value;

        CountingNoise(float value) {
            this.value = value;
        }

        @Override
        public NDArray randn(NDManager manager, Shape shape, String caller) {
            shapes.add(shape);
            return manager.full(shape, value);
        }
    }

    /** A noise source that must not be used. */
    static final NoiseSource NO_NOISE = (m, s, caller) -> {
        throw new AssertionError("unexpected noise draw by " + caller);
    };

    /** Deterministic pseudo-random float32 data of {@code shape}. */
    static NDArray data(NDManager m, long seed, long... shape) {
        java.util.Random r = new java.util.Random(seed);
        int n = (int) new Shape(shape).size();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, new Shape(shape));
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }
}
