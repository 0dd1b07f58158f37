package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.CpuInfo;
import ai.t2vzero.runtime.KernelRate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Whether linear layers as 1x1 convolutions ({@link LinearAlgorithm#CONV1X1}) pay on a device, measured: the UNet's
 * three dominant linear shapes at its first level, batch 2 at 32x32 latents (2048 tokens: attention projection
 * 320 -> 320, feed-forward 320 -> 2560 and 1280 -> 320), each as libtorch's linear and as the 1x1 convolution,
 * taking turns, fastest of {@value #ROUNDS}, summed per way; once per device and process (about half a second on a
 * CPU at tens of GFLOP/s). {@link LinearAlgorithm#AUTO} takes the convolution only at >= {@value #MIN_SPEEDUP}x:
 * where both run at the same rate (AVX2 CPUs) a measurement made while the machine is busy (a startup preload next
 * to other work) came out at 1.14-1.17x, and the case it is for (MKL's AVX2 code on an AVX-512 CPU) is about 2x.
 *
 * @param matmulMs  the three products as libtorch's linear, the sum of their fastest calls
 * @param conv1x1Ms the same as 1x1 convolutions
 */
public record LinearSpeed(double matmulMs, double conv1x1Ms) {

    private static final Logger LOG = Logger.getLogger(LinearSpeed.class.getName());

    /** Speed-up over libtorch's linear the 1x1 convolution must reach for auto to take it. */
    public static final double MIN_SPEEDUP = 1.25;

    static final int ROUNDS = 5;

    /** {in, out} of the measured layers, at {@value #TOKENS} tokens. */
    private static final long[][] SHAPES = {{320, 320}, {320, 2560}, {1280, 320}};
    private static final long TOKENS = 2048;

    private static final Map<Device, LinearSpeed> MEASURED = new ConcurrentHashMap<>();

    /** This process's measurement on {@code device}, made on first use. */
    public static LinearSpeed on(Device device) {
        return MEASURED.computeIfAbsent(device, LinearSpeed::measure);
    }

    /** A fresh measurement on {@code device}; nothing stays allocated. */
    static LinearSpeed measure(Device device) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            List<Supplier<NDArray>> ops = new ArrayList<>();
            for (long[] shape : SHAPES) {
                NDArray x = m.randomNormal(new Shape(2, TOKENS / 2, shape[0]));
                NDArray w = m.randomNormal(0, 0.05f, new Shape(shape[1], shape[0]), DataType.FLOAT32);
                NDArray b = m.zeros(new Shape(shape[1]));
                Linear matmul = Linear.of(w, b, false);
                Linear conv = Linear.of(w, b, true);
                ops.add(() -> matmul.forward(x));
                ops.add(() -> conv.forward(x));
            }
            double[] ms = KernelRate.fastestMillis(m, ROUNDS, ops);
            double matmul = 0;
            double conv = 0;
            for (int i = 0; i < ms.length; i += 2) {
                matmul += ms[i];
                conv += ms[i + 1];
            }
            LinearSpeed speed = new LinearSpeed(matmul, conv);
            LOG.info("linear layers on " + device + " (" + CpuInfo.local().name() + "): " + speed);
            return speed;
        }
    }

    public double speedup() {
        return matmulMs / conv1x1Ms;
    }

    /** Whether the 1x1 convolution reaches {@link #MIN_SPEEDUP} over libtorch's linear. */
    public boolean pays() {
        return speedup() >= MIN_SPEEDUP;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "UNet linear shapes (2048 tokens; 320->320, 320->2560, 1280->320) as "
                + "matmul %.1f ms, as 1x1 convolution %.1f ms (%.2fx): auto takes %s (needs %.2fx)", matmulMs,
                conv1x1Ms, speedup(), pays() ? "the 1x1 convolution" : "the matmul", MIN_SPEEDUP);
    }
}
