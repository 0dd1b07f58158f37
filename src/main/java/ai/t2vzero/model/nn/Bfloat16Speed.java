package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.KernelRate;

import java.util.Locale;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Whether bfloat16 products pay on a device, measured rather than assumed from ISA flags: a UNet convolution and a
 * UNet linear layer, each in float32 (as {@code auto} would load it: Winograd where {@link ConvAlgorithm} takes it)
 * and with bfloat16 products, in one process, effective GFLOP/s (a Winograd layer counted as the direct convolution's
 * work). {@code t2v.models.dtype=auto} takes bf16 products on a CPU with AVX512_BF16 or AMX only where both layers
 * run at least {@value #MIN_SPEEDUP}x float32's rate: below that the speed would not pay for bfloat16's rounding
 * (up to a few % of an output's range in the guided pipelines, Bfloat16ParityTest).
 *
 * @param convFloat32    3x3 convolution 320 -> 320, batch 2, 32x32 (the UNet's first level), float32
 * @param convBfloat16   the same with bfloat16 products
 * @param linearFloat32  [2048, 320] x [320, 2560] (the first level's feed-forward projection, batch 2), float32
 * @param linearBfloat16 the same with bfloat16 products
 */
public record Bfloat16Speed(double convFloat32, double convBfloat16, double linearFloat32, double linearBfloat16) {

    private static final Logger LOG = Logger.getLogger(Bfloat16Speed.class.getName());

    /** Speed-up over float32 both layers must reach for bfloat16 products to pay. */
    public static final double MIN_SPEEDUP = 1.25;

    private static final double CONV_FLOPS = 2.0 * 2 * 320 * 32 * 32 * 320 * 9;
    private static final double LINEAR_FLOPS = 2.0 * 2048 * 320 * 2560;

    /**
     * Times the two layers both ways on {@code device} (well under a second each where bfloat16 is native; about
     * 10 s where it is emulated); nothing stays allocated.
     */
    public static Bfloat16Speed measure(Device device) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x = m.randomNormal(new Shape(2, 320, 32, 32));
            NDArray w = m.randomNormal(0, 0.02f, new Shape(320, 320, 3, 3), DataType.FLOAT32);
            NDArray b = m.zeros(new Shape(320));
            Conv2d conv32 = Conv2d.same3x3(w.duplicate(), b);
            Conv2d conv16 = Conv2d.of(w, b, 1, 1).withProducts(DataType.BFLOAT16);
            NDArray tokens = m.randomNormal(new Shape(2048, 320));
            NDArray lw = m.randomNormal(0, 0.05f, new Shape(2560, 320), DataType.FLOAT32);
            Linear linear32 = Linear.of(lw.duplicate(), null);
            Linear linear16 = Linear.of(lw, null).withProducts(DataType.BFLOAT16);
            Bfloat16Speed speed = new Bfloat16Speed(
                    rate(m, CONV_FLOPS, () -> conv32.forward(x)), rate(m, CONV_FLOPS, () -> conv16.forward(x)),
                    rate(m, LINEAR_FLOPS, () -> linear32.forward(tokens)),
                    rate(m, LINEAR_FLOPS, () -> linear16.forward(tokens)));
            LOG.info("bfloat16 products on " + device + ": " + speed);
            return speed;
        }
    }

    /** {@link #measure}'s verdict: whether bfloat16 products pay on {@code device}. */
    public static boolean paysOn(Device device) {
        return measure(device).pays();
    }

    /** Fastest of 5 timed calls; a kernel that has taken 3 s (an emulated bfloat16 one) stops early. */
    private static double rate(NDManager m, double flops, Supplier<NDArray> op) {
        return KernelRate.gflops(m, flops, 5, 0.3, 3.0, op);
    }

    public double convSpeedup() {
        return convBfloat16 / convFloat32;
    }

    public double linearSpeedup() {
        return linearBfloat16 / linearFloat32;
    }

    /** Whether both layers reach {@link #MIN_SPEEDUP} with bfloat16 products. */
    public boolean pays() {
        return convSpeedup() >= MIN_SPEEDUP && linearSpeedup() >= MIN_SPEEDUP;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "conv3x3 320ch b2 32x32 %.0f -> %.0f GFLOP/s (%.2fx), linear 2048x320x2560 "
                + "%.0f -> %.0f GFLOP/s (%.2fx) float32 -> bfloat16: %s", convFloat32, convBfloat16, convSpeedup(),
                linearFloat32, linearBfloat16, linearSpeedup(),
                pays() ? "pays" : "does not pay (needs " + MIN_SPEEDUP + "x on both)");
    }
}
