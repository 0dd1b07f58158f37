package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.CpuInfo;
import ai.t2vzero.runtime.KernelRate;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Whether Winograd F(2x2, 3x3) pays on a device, measured rather than assumed from ISA flags: the UNet's first-level
 * convolution (320 -> 320 channels, batch 2, 32x32, float32) as libtorch's direct convolution and as F(2x2, 3x3),
 * taking turns, fastest of {@value #ROUNDS} each, once per device and process (well under a second on CPUs where
 * either runs at tens of GFLOP/s). {@link ConvAlgorithm#AUTO} takes Winograd for wide layers only where it runs at
 * least {@value #MIN_SPEEDUP}x the direct convolution's speed. Measured 1.5-1.6x on an AVX2 AMD EPYC (README); with
 * AVX-512 oneDNN's direct convolution ran at twice a large matrix product's rate on the one such machine measured,
 * where Winograd is not expected to pay: that machine's own measurement decides, so no CPU gets a slower
 * convolution than libtorch's own.
 *
 * @param directMs   the direct convolution, fastest call
 * @param winogradMs F(2x2, 3x3), fastest call
 */
public record WinogradSpeed(double directMs, double winogradMs) {

    private static final Logger LOG = Logger.getLogger(WinogradSpeed.class.getName());

    /** Speed-up over the direct convolution Winograd must reach for auto to take it. */
    public static final double MIN_SPEEDUP = 1.1;

    static final int ROUNDS = 5;

    private static final Map<Device, WinogradSpeed> MEASURED = new ConcurrentHashMap<>();

    /** This process's measurement on {@code device}, made on first use. */
    public static WinogradSpeed on(Device device) {
        return MEASURED.computeIfAbsent(device, WinogradSpeed::measure);
    }

    /** A fresh measurement on {@code device}; nothing stays allocated. */
    static WinogradSpeed measure(Device device) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x = m.randomNormal(new Shape(2, 320, 32, 32));
            NDArray w = m.randomNormal(0, 0.02f, new Shape(320, 320, 3, 3), DataType.FLOAT32);
            NDArray b = m.zeros(new Shape(320));
            Conv2d direct = Conv2d.of(w.duplicate(), b, 1, 1);
            Conv2d winograd = Conv2d.winograd(w, b, WinogradConv3x3.Tile.F2);
            double[] ms = KernelRate.fastestMillis(m, ROUNDS, List.of(() -> direct.forward(x),
                    () -> winograd.forward(x)));
            WinogradSpeed speed = new WinogradSpeed(ms[0], ms[1]);
            LOG.info("Winograd F(2x2,3x3) on " + device + " (" + CpuInfo.local().name() + "): " + speed);
            return speed;
        }
    }

    public double speedup() {
        return directMs / winogradMs;
    }

    /** Whether Winograd reaches {@link #MIN_SPEEDUP} over the direct convolution. */
    public boolean pays() {
        return speedup() >= MIN_SPEEDUP;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "conv3x3 320ch b2 32x32 direct %.1f ms, Winograd %.1f ms (%.2fx): %s",
                directMs, winogradMs, speedup(), pays() ? "auto takes Winograd for layers of >= "
                        + ConvAlgorithm.AUTO_MIN_CHANNELS + " channels" : "auto keeps the direct convolution (needs "
                        + MIN_SPEEDUP + "x)");
    }
}
