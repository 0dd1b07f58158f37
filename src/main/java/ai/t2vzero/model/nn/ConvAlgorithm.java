package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * How a "same" 3x3 convolution (stride 1, padding 1: every ResNet conv) is computed: libtorch's own convolution
 * ({@code DIRECT}: oneDNN on CPU, cuDNN on CUDA) or Winograd's F(2x2, 3x3) ({@link WinogradConv3x3}), chosen per
 * layer when the model is loaded, because the two keep different filters. {@code AUTO} (default) takes Winograd for
 * float32 CPU layers whose input and output both have at least {@value #AUTO_MIN_CHANNELS} channels, where it is
 * measured to pay on this machine ({@link WinogradSpeed}: once per process, at the first such layer). On an AVX2 CPU
 * (README, performance section) oneDNN's direct convolution and MKL's matrix products run at about the same rate and
 * the 2.25x fewer multiply-adds made every such layer of SD 1.5's UNet and VAE 1.1-1.9x faster; at 64 channels and
 * below the transforms' memory passes outweigh the saving (0.6-0.9x). With AVX-512 the direct convolution ran at
 * twice the rate of a large matrix product on the one such machine measured (284 vs 139 GFLOP/s): there the
 * measurement is expected to keep it direct, and whatever the CPU, auto never takes Winograd where it measured
 * slower (the benchmark's {@code convs} component times both per level). CUDA keeps cuDNN, which picks its own
 * algorithms. {@code WINOGRAD} takes it for every float32 CPU layer whatever its width and CPU (the parity tests use
 * this to run it on the tiny reference checkpoints). A caller that allows it (the VAE decoder:
 * {@code Conv2d.load3x3(..., largeTiles)}) gets F(4x4, 3x3) instead of F(2x2, 3x3): always under {@code WINOGRAD},
 * under {@code AUTO} where that tile too measured faster. Process-wide, by the JVM
 * system property {@code t2vzero.conv} = auto | direct | winograd, or by {@link #set} before a load (benchmark).
 */
public enum ConvAlgorithm {
    AUTO, DIRECT, WINOGRAD;

    /** Narrowest input or output width at which {@code AUTO} takes Winograd. */
    static final long AUTO_MIN_CHANNELS = 128;

    private static final ProcessChoice<ConvAlgorithm> CHOICE =
            new ProcessChoice<>("t2vzero.conv", ConvAlgorithm.class, "auto");

    public static ConvAlgorithm current() {
        return CHOICE.current();
    }

    /** Sets the process-wide choice for the layers loaded from now on; returns the previous one. */
    public static ConvAlgorithm set(ConvAlgorithm algorithm) {
        return CHOICE.set(algorithm);
    }

    public static ConvAlgorithm parse(String name) {
        return CHOICE.parse(name);
    }

    /**
     * The Winograd output tile this choice takes for a same 3x3 conv over {@code weight} [out, in, 3, 3]: 2 for
     * F(2x2, 3x3), 4 for F(4x4, 3x3) (only where the caller allows {@code largeTiles}), 0 for the direct convolution.
     * {@code AUTO} takes a tile for wide float32 CPU layers where {@link WinogradSpeed} measured it faster, F(4x4)
     * before F(2x2) where both pay.
     */
    public int winogradTile(NDArray weight, boolean largeTiles) {
        Device device = weight.getDevice();
        if (this == DIRECT || device.isGpu() || weight.getDataType() != DataType.FLOAT32
                || WinogradConv3x3.module(WinogradConv3x3.Tile.F2, device).isEmpty()) {
            return 0;
        }
        boolean f4 = largeTiles && WinogradConv3x3.module(WinogradConv3x3.Tile.F4, device).isPresent();
        if (this == WINOGRAD) {
            return f4 ? 4 : 2;
        }
        if (Math.min(weight.getShape().get(0), weight.getShape().get(1)) < AUTO_MIN_CHANNELS) {
            return 0;
        }
        WinogradSpeed speed = WinogradSpeed.on(device);
        if (f4 && speed.pays(WinogradConv3x3.Tile.F4)) {
            return 4;
        }
        return speed.pays(WinogradConv3x3.Tile.F2) ? 2 : 0;
    }
}
