package ai.t2vzero.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.bundle.RandomBundleWriter;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.pipeline.CrossFrameAttnProcessor;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.NativeMemory;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.ModelBundle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per-component benchmark: median wall time, achieved GFLOP/s and peak native memory of the text encoder, one
 * UNet step (batch 2, and 2 x F frames with cross-frame attention), one VAE decode and the ControlNet, on any
 * diffusers folder. Run it as the README says ({@code ./mvnw -q compile exec:exec@benchmark -Dargs="..."}).
 *
 * <pre>
 * --bundle DIR        diffusers folder (default: the reference's sd15-mini)
 * --preset sd15|demo  instead of --bundle: write (once) and use a random-weight bundle of that preset
 *                     (sd15 = Stable Diffusion 1.5's full dimensions, plus a ControlNet of sd-controlnet-canny's
 *                     dimensions) under --models (default models/)
 * --latent N          latent side (default 32, i.e. 256x256 images)
 * --frames F          frames for the cross-frame UNet step (default 8)
 * --repeat R          timed repetitions per component (default 3, after one warm-up)
 * --device D --dtype T  auto|cpu|cuda[:N], auto|fp32|fp16
 * --controlnet DIR    also time a ControlNet
 * --job               instead of the components: one whole text-to-video job (default request: 8 frames, 50 steps,
 *                     the bundle's native size) with per-stage times, UNet passes vs the theoretical count, peak memory
 * --mode M            with --job: text (default), edge, pose (need --controlnet DIR; demo ControlNet written when
 *                     absent) or pix2pix (--bundle must be an InstructPix2Pix bundle; demo written when absent);
 *                     --steps N sets the steps (default 50; 20 for edge/pose as the original app);
 *                     --scheduler S the text-to-video scheduler (ddim, pndm, euler-ancestral, dpm-solver++,
 *                     dpm-solver++-karras; default ddim), t0/t1 derived for the step count as for a request
 * </pre>
 */
public final class Benchmark {

    private Benchmark() {}

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>();
        for (String a : argv) {
            args.addAll(Arrays.asList(a.trim().split("\\s+")));
        }
        args.removeIf(String::isEmpty);
        Path bundleDir = Path.of(option(args, "--bundle", System.getProperty("t2vzero.reference", "../shared/reference")
                + "/models/sd15-mini"));
        String preset = option(args, "--preset", null);
        Path models = Path.of(option(args, "--models", "models"));
        int latent = Integer.parseInt(option(args, "--latent", "32"));
        int frames = Integer.parseInt(option(args, "--frames", "8"));   // also the job's videoLength
        int repeat = Integer.parseInt(option(args, "--repeat", "3"));
        String controlnet = option(args, "--controlnet", null);
        DeviceSpec device = DeviceSpec.resolve(option(args, "--device", "auto"), option(args, "--dtype", "auto"));

        if (args.contains("--job") && "pix2pix".equals(option(args, "--mode", "text")) && !args.contains("--bundle")
                && preset == null) {
            bundleDir = models.resolve("pix2pix-demo");
            if (!Files.isDirectory(bundleDir)) {
                RandomBundleWriter.write("demo-pix2pix", bundleDir, 0);
            }
        }
        if ("sd15".equals(preset) && controlnet == null && !args.contains("--job")) {
            // lllyasviel/sd-controlnet-canny's dimensions, random weights
            Path cn = models.resolve("sd15-controlnet-random");
            if (!Files.isDirectory(cn)) {
                RandomBundleWriter.writeControlNet("sd15-controlnet", cn, 1234);
            }
            controlnet = cn.toString();
        }
        if (preset != null) {
            bundleDir = models.resolve(preset + "-random");
            if (!Files.isDirectory(bundleDir)) {
                System.out.println("writing random-weight '" + preset + "' bundle to " + bundleDir + " ...");
                long t = System.nanoTime();
                RandomBundleWriter.write(preset, bundleDir, 1234);
                System.out.printf(Locale.ROOT, "written in %.1f s%n", (System.nanoTime() - t) / 1e9);
            }
        }
        System.out.println("engine   " + TorchRuntime.describe());
        System.out.println("device   " + device + ", threads " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("bundle   " + bundleDir.toAbsolutePath().normalize());

        boolean job = args.contains("--job");
        try (NDManager weights = NDManager.newBaseManager(device.device())) {
            long t = System.nanoTime();
            StableDiffusionModels sd = StableDiffusionModels.load(bundleDir.getFileName().toString(),
                    new ModelBundle(bundleDir), device, weights);
            System.out.printf(Locale.ROOT, "loaded   in %.1f s, resident %s%n%n", (System.nanoTime() - t) / 1e9,
                    mb(NativeMemory.residentBytes()));
            if (job) {
                String mode = option(args, "--mode", "text");
                Path out = Path.of(option(args, "--out", "target/benchmark-job"));
                int steps = Integer.parseInt(option(args, "--steps", mode.equals("edge") || mode.equals("pose") ? "20" : "50"));
                if (mode.equals("text")) {
                    JobBenchmark.run(sd, frames, steps, option(args, "--scheduler", "ddim"), out);
                } else {
                    ControlNetModel cn = null;
                    if (!mode.equals("pix2pix")) {
                        Path cnDir = controlnet != null ? Path.of(controlnet) : models.resolve("controlnet-" + mode + "-demo");
                        if (!Files.isDirectory(cnDir)) {
                            RandomBundleWriter.writeControlNet("demo-controlnet", cnDir, 0);
                        }
                        cn = ControlNetModel.load(new ModelBundle(cnDir), ".", weights, device.dtype());
                    }
                    JobBenchmark.runMode(mode, sd, cn, frames, steps, out);
                }
                return;
            }
            System.out.printf(Locale.ROOT, "%-34s %10s %10s %10s %12s%n", "component", "median ms", "GFLOP", "GFLOP/s",
                    "peak RSS");
            long d = sd.textEncoder().config().hiddenSize();
            long ctx = sd.unet().config().crossAttentionDim();
            long c = sd.unet().config().inChannels();
            DataType dt = device.dtype();

            run("text encoder, 2 prompts", repeat, weights, m -> {
                NDArray ids = sd.tokenizer().inputIds(m, List.of("a horse galloping on a street", ""));
                sd.textEncoder().forward(ids);
            });
            run("unet step, batch 2, " + latent + "x" + latent, repeat, weights, m -> {
                NDArray x = m.randomNormal(new Shape(2, c, latent, latent)).toType(dt, false);
                NDArray e = m.randomNormal(new Shape(2, 77, ctx)).toType(dt, false);
                sd.unet().forward(x, m.create(500f), e, AttnProcessors.DEFAULT, null);
            });
            run("unet step, 2x" + frames + " frames, cross-frame", repeat, weights, m -> {
                NDArray x = m.randomNormal(new Shape(2L * frames, c, latent, latent)).toType(dt, false);
                NDArray e = m.randomNormal(new Shape(2L * frames, 77, ctx)).toType(dt, false);
                sd.unet().forward(x, m.create(500f), e, AttnProcessors.all(new CrossFrameAttnProcessor(2)), null);
            });
            run("vae decode, 1 x " + latent + "x" + latent, repeat, weights, m -> {
                NDArray z = m.randomNormal(new Shape(1, sd.vae().config().latentChannels(), latent, latent));
                sd.vae().decode(z.toType(sd.vae().dtype(), false));
            });
            if (controlnet != null) {
                ControlNetModel cn = ControlNetModel.load(new ModelBundle(Path.of(controlnet)), ".", weights, dt);
                int px = latent * sd.vaeScaleFactor();
                run("controlnet, batch 2, " + latent + "x" + latent, repeat, weights, m -> {
                    NDArray x = m.randomNormal(new Shape(2, c, latent, latent)).toType(dt, false);
                    NDArray e = m.randomNormal(new Shape(2, 77, ctx)).toType(dt, false);
                    NDArray cond = m.randomUniform(0f, 1f, new Shape(2, 3, px, px)).toType(dt, false);
                    cn.forward(x, m.create(500f), e, cond, 1f, AttnProcessors.DEFAULT);
                });
            }
        }
    }

    /** One body, run in a fresh scope: returns nothing, everything it makes is freed. */
    @FunctionalInterface
    interface Body {
        void run(NDManager manager);
    }

    static void run(String name, int repeat, NDManager parent, Body body) {
        once(parent, body);                                                  // warm-up (allocator, kernels)
        long flops = FlopCounter.measure(() -> once(parent, body));
        NativeMemory.resetPeak();
        long before = NativeMemory.residentBytes();
        double[] ms = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            long t = System.nanoTime();
            once(parent, body);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        double median = ms[repeat / 2];
        long peak = Math.max(NativeMemory.peakResidentBytes(), before);
        System.out.printf(Locale.ROOT, "%-34s %10.1f %10.2f %10.1f %12s%n", name, median, flops / 1e9,
                flops / 1e6 / median, mb(peak));
    }

    private static void once(NDManager parent, Body body) {
        try (NDManager m = parent.newSubManager(); NDScope ignored = new NDScope()) {
            body.run(m);
        }
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.0f MB", bytes / 1048576.0);
    }

    static String option(List<String> args, String name, String def) {
        int i = args.indexOf(name);
        if (i < 0) {
            return def;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args.get(i + 1);
    }
}
