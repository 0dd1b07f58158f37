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
 * Whether Winograd pays on a device, measured rather than assumed from ISA flags: the UNet's first-level convolution
 * (320 -> 320 channels, batch 2, 32x32, float32) as libtorch's direct convolution, as F(2x2, 3x3) and as F(4x4, 3x3),
 * taking turns, fastest of {@value #ROUNDS} each, once per device and process (well under a second on CPUs where
 * they run at tens of GFLOP/s). {@link ConvAlgorithm#AUTO} takes a tile for wide layers only where it runs at least
 * {@value #MIN_SPEEDUP}x the direct convolution's speed (F(4x4) only for layers that allow it: the VAE decoder's).
 * Measured 1.3-1.6x (F2) and about 2.1x (F4) on an AVX2 AMD EPYC (README); with AVX-512 oneDNN's direct convolution
 * ran at twice a large matrix product's rate on the one such machine measured, where F(2x2) is not expected to pay:
 * that machine's own measurement decides, so no CPU gets a slower convolution than libtorch's own.
 *
 * @param directMs the direct convolution, fastest call
 * @param f2Ms     F(2x2, 3x3), fastest call
 * @param f4Ms     F(4x4, 3x3), fastest call (NaN where its module is unavailable: never pays)
 */
public record WinogradSpeed(double directMs, double f2Ms, double f4Ms) {

    private static final Logger LOG = Logger.getLogger(WinogradSpeed.class.getName());

    /** Speed-up over the direct convolution a Winograd tile must reach for auto to take it. */
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
            boolean f4 = WinogradConv3x3.module(WinogradConv3x3.Tile.F4, device).isPresent();
            List<Supplier<NDArray>> ops = new ArrayList<>(List.of(() -> direct.forward(x)));
            Conv2d f2Conv = Conv2d.winograd(f4 ? w.duplicate() : w, b, WinogradConv3x3.Tile.F2);
            ops.add(() -> f2Conv.forward(x));
            if (f4) {
                Conv2d f4Conv = Conv2d.winograd(w, b, WinogradConv3x3.Tile.F4);
                ops.add(() -> f4Conv.forward(x));
            }
            double[] ms = KernelRate.fastestMillis(m, ROUNDS, ops);
            WinogradSpeed speed = new WinogradSpeed(ms[0], ms[1], f4 ? ms[2] : Double.NaN);
            LOG.info("Winograd on " + device + " (" + CpuInfo.local().name() + "): " + speed);
            return speed;
        }
    }

    /** The direct convolution's time over {@code tile}'s. */
    double speedup(WinogradConv3x3.Tile tile) {
        return directMs / (tile == WinogradConv3x3.Tile.F4 ? f4Ms : f2Ms);
    }

    /** Whether {@code tile} reaches {@link #MIN_SPEEDUP} over the direct convolution (never for a NaN time). */
    boolean pays(WinogradConv3x3.Tile tile) {
        return speedup(tile) >= MIN_SPEEDUP;
    }

    @Override
    public String toString() {
        boolean f2 = pays(WinogradConv3x3.Tile.F2);
        boolean f4 = pays(WinogradConv3x3.Tile.F4);
        String takes = f2 && f4 ? "F(2x2), F(4x4) where a layer allows it (the VAE decoder)"
                : f2 ? "F(2x2)"
                : f4 ? "F(4x4) where a layer allows it, else the direct convolution"
                : "the direct convolution";
        return String.format(Locale.ROOT, "conv3x3 320ch b2 32x32 direct %.1f ms, F(2x2,3x3) %.1f ms (%.2fx), "
                + "F(4x4,3x3) %.1f ms (%.2fx): auto takes %s for layers of >= %d channels (a tile needs %.1fx)",
                directMs, f2Ms, speedup(WinogradConv3x3.Tile.F2), f4Ms, speedup(WinogradConv3x3.Tile.F4), takes,
                ConvAlgorithm.AUTO_MIN_CHANNELS, MIN_SPEEDUP);
    }
}
