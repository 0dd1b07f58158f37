package ai.t2vzero.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.model.nn.ConvAlgorithm;
import ai.t2vzero.model.unet.UNet2DConditionConfig;
import ai.t2vzero.model.vae.AutoencoderKLConfig;
import ai.t2vzero.runtime.KernelRate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's {@code convs} component: each resolution level's "same" 3x3 convolution of the loaded UNet (batch 2
 * and 2 x F frames) and VAE decoder (batch 1), as libtorch's direct convolution and as Winograd F(2x2, 3x3), timed
 * interleaved on this machine (the fastest of the repetitions), with the speed-up and what {@code t2vzero.conv=auto}
 * takes for that width. It tells whether auto's rule (Winograd from {@code ConvAlgorithm}'s width on) fits a CPU.
 */
final class ConvComparison {

    private record Level(String model, long batch, long channels, long side) {}

    private ConvComparison() {}

    static void run(UNet2DConditionConfig unet, AutoencoderKLConfig vae, int latent, int frames, int repeat,
            NDManager parent, DataType dt) {
        List<Level> levels = new ArrayList<>();
        for (long batch : new long[] {2, 2L * frames}) {
            long side = latent;
            for (int c : unet.blockOutChannels()) {
                levels.add(new Level("unet", batch, c, side));
                side = Math.max(1, side / 2);
            }
        }
        List<Integer> vaeChannels = new ArrayList<>(vae.blockOutChannels());
        java.util.Collections.reverse(vaeChannels);                       // the decoder's order, from the latent up
        long side = latent;
        for (int c : vaeChannels) {
            levels.add(new Level("vae decoder", 1, c, side));
            side *= 2;
        }
        System.out.printf(Locale.ROOT, "%n3x3 convolutions, direct vs Winograd F(2x2,3x3) and F(4x4,3x3) (fastest of %d,"
                + " interleaved)%n", Math.max(repeat, 3));
        System.out.printf(Locale.ROOT, "  %-12s %5s %6s %9s %11s %9s %9s %9s %9s %6s%n", "model", "batch", "C=K", "side",
                "direct ms", "F2 ms", "speed-up", "F4 ms", "speed-up", "auto");
        ConvAlgorithm before = ConvAlgorithm.current();
        try {
            for (Level l : levels) {
                try (NDManager m = parent.newSubManager()) {
                    NDArray w = m.randomNormal(0, 0.05f, new Shape(l.channels, l.channels, 3, 3), DataType.FLOAT32)
                            .toType(dt, false);
                    NDArray b = m.zeros(new Shape(l.channels), dt);
                    NDArray x = m.randomNormal(new Shape(l.batch, l.channels, l.side, l.side)).toType(dt, false);
                    ConvAlgorithm.set(ConvAlgorithm.DIRECT);
                    Conv2d direct = Conv2d.same3x3(w.duplicate(), b);
                    ConvAlgorithm.set(ConvAlgorithm.WINOGRAD);
                    Conv2d winograd = Conv2d.same3x3(w.duplicate(), b);
                    Conv2d winograd4 = Conv2d.same3x3(w.duplicate(), b, true);
                    int auto = ConvAlgorithm.AUTO.winogradTile(w, l.model.startsWith("vae"));
                    if (!winograd.isWinograd()) {
                        System.out.println("  (Winograd unavailable for " + dt + " on " + x.getDevice() + ")");
                        return;
                    }
                    double[] best = KernelRate.fastestMillis(m, Math.max(repeat, 3), List.of(
                            () -> direct.forward(x), () -> winograd.forward(x), () -> winograd4.forward(x)));
                    // auto: what a layer of this width gets (F4 only where the caller allows it: the VAE decoder)
                    String takes = auto == 0 ? "direct" : "F" + auto;
                    System.out.printf(Locale.ROOT, "  %-12s %5d %6d %9s %11.1f %9.1f %8.2fx %9.1f %8.2fx %6s%n",
                            l.model, l.batch, l.channels, l.side + "x" + l.side, best[0], best[1], best[0] / best[1],
                            best[2], best[0] / best[2], takes);
                }
            }
        } finally {
            ConvAlgorithm.set(before);
        }
    }
}
