package ai.t2vzero.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.bundle.RandomBundleWriter;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.nn.AttentionKernel;
import ai.t2vzero.model.nn.Bfloat16Speed;
import ai.t2vzero.model.nn.ConvAlgorithm;
import ai.t2vzero.model.nn.LinearAlgorithm;
import ai.t2vzero.model.nn.LinearSpeed;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.TokenMerging;
import ai.t2vzero.model.nn.WinogradSpeed;
import ai.t2vzero.pipeline.CrossFrameAttnProcessor;
import ai.t2vzero.pipeline.SeededVideoNoise;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.NativeMemory;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.ModelBundle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Per-component benchmark: median wall time, achieved GFLOP/s (and its share of the machine's measured
 * convolution rate, {@link MachineProbe}) and peak native memory above the loaded weights of the text encoder, one
 * UNet step (batch 2, and 2 x F frames with cross-frame attention), one VAE decode and the ControlNet, on any
 * diffusers folder. A missing random-weight preset bundle is written by a separate JVM first, so that the writer's
 * memory does not inflate the figures. Run it as the README says ({@code ./mvnw -q compile exec:exec@benchmark -Dargs="..."}).
 *
 * <pre>
 * --bundle DIR        diffusers folder (default: the reference's sd15-mini)
 * --preset sd15|demo  instead of --bundle: write (once) and use a random-weight bundle of that preset
 *                     (sd15 = Stable Diffusion 1.5's full dimensions, plus a ControlNet of sd-controlnet-canny's
 *                     dimensions) under --models (default models/)
 * --latent N          latent side (default 32, i.e. 256x256 images)
 * --frames F          frames for the cross-frame UNet step (default 8)
 * --repeat R          timed repetitions per component (default 3, after one warm-up)
 * --device D --dtype T  auto|cpu|cuda[:N], auto|fp32|fp16|bf16 (bf16: bfloat16 weights and products, float32 activations)
 * --controlnet DIR    also time a ControlNet
 * --components LIST   which of text,unet,crossframe,tome,vae,controlnet,convs to time (default all); tome = the
 *                     cross-frame UNet step with mergingRatio 0 and --merging R side by side, repetitions
 *                     interleaved, and their speed-up
 * --merging R         token merging ratio of the tome component, and of the --job (default 0.5; job: 0)
 * --attention K       auto|sdpa|sliced|both: the attention kernel ({@link AttentionKernel}); both = each component
 *                     with both kernels, repetitions interleaved, so their ratio comes from one run
 * --conv A            auto|direct|winograd|both: how the models' "same" 3x3 convolutions are loaded
 *                     ({@link ConvAlgorithm}; default auto); both = a second copy of the models with direct
 *                     convolutions, the unet, crossframe and vae rows of both interleaved, with the speed-up; the
 *                     convs component compares the two per resolution level
 * --profile           also print the time per op kind (conv, linear, attention, groupnorm, ...) of one UNet step
 *                     (batch 2, and the cross-frame step) and of one VAE decode
 * --job               instead of the components: one whole text-to-video job (default request: 8 frames, 50 steps,
 *                     the bundle's native size) with per-stage times, UNet passes vs the theoretical count, peak memory
 * --mode M            with --job: text (default), edge, pose (need --controlnet DIR; demo ControlNet written when
 *                     absent) or pix2pix (--bundle must be an InstructPix2Pix bundle; demo written when absent);
 *                     --steps N sets the steps (default 50; 20 for edge/pose as the original app);
 *                     --scheduler S the text-to-video scheduler (ddim, pndm, euler-ancestral, dpm-solver++,
 *                     dpm-solver++-karras; default ddim), t0/t1 derived for the step count as for a request;
 *                     --merging R the job's mergingRatio
 * --variants          with --job (text mode): the algorithmic levers side by side in one run: the default job,
 *                     the same with mergingRatio --merging R (default 0.5) and 20-step DPM-Solver++, one line each
 *                     with UNet passes, time and speed-up over the default
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
        DeviceSpec device = DeviceSpec.resolve(option(args, "--device", "auto"), option(args, "--dtype", "auto"),
                Bfloat16Speed::paysOn);

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
                writeInChildProcess("controlnet", "sd15-controlnet", cn);
            }
            controlnet = cn.toString();
        }
        if (preset != null) {
            bundleDir = models.resolve(preset + "-random");
            if (!Files.isDirectory(bundleDir)) {
                writeInChildProcess("bundle", preset, bundleDir);
            }
        }
        System.out.println("engine   " + TorchRuntime.describe());
        System.out.println("device   " + device + ", threads " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("bundle   " + bundleDir.toAbsolutePath().normalize());
        System.out.println("load     " + loadAverage() + " (1/5/15 min load average at start: compare only within one run)");
        MachineProbe machine = MachineProbe.measure(device.device(), device.dtype(), device.products());
        machine.print();
        String convOption = option(args, "--conv", "auto").toLowerCase(Locale.ROOT);
        boolean convBoth = convOption.equals("both");
        ConvAlgorithm.set(convBoth ? ConvAlgorithm.AUTO : ConvAlgorithm.parse(convOption));
        System.out.println("conv     " + (convBoth ? "AUTO and DIRECT, side by side" : ConvAlgorithm.current())
                + " (same 3x3 convolutions; under auto Winograd for float32 layers of >= 128 channels where measured "
                + "faster on this machine: F(2x2,3x3), F(4x4,3x3) in the VAE decoder)");
        if (ConvAlgorithm.current() == ConvAlgorithm.AUTO && !device.device().isGpu()
                && device.products() == DataType.FLOAT32) {
            System.out.println("         auto's measurement: " + WinogradSpeed.on(device.device()));
        }
        LinearAlgorithm.set(LinearAlgorithm.parse(option(args, "--linear", "auto")));
        System.out.println("linear   " + LinearAlgorithm.current() + " (float32 linear layers as libtorch's matmul or as "
                + "1x1 convolutions on channels-last views: under auto where measured faster on this machine)");
        if (LinearAlgorithm.current() == LinearAlgorithm.AUTO && !device.device().isGpu()
                && device.products() == DataType.FLOAT32) {
            System.out.println("         auto's measurement: " + LinearSpeed.on(device.device()));
        }
        String attention = option(args, "--attention", "auto").toLowerCase(Locale.ROOT);
        List<AttentionKernel> kernels = attention.equals("both")
                ? List.of(AttentionKernel.SLICED, AttentionKernel.SDPA)
                : List.of(AttentionKernel.parse(attention));
        System.out.println("attention " + kernels);
        List<String> components = Arrays.asList(option(args, "--components", "text,unet,crossframe,tome,vae,controlnet,convs")
                .split(","));

        boolean job = args.contains("--job");
        try (NDManager weights = NDManager.newBaseManager(device.device())) {
            long t = System.nanoTime();
            StableDiffusionModels sd = StableDiffusionModels.load(bundleDir.getFileName().toString(),
                    new ModelBundle(bundleDir), device, weights);
            long loaded = NativeMemory.residentBytes();
            System.out.printf(Locale.ROOT, "loaded   in %.1f s, resident %s%n", (System.nanoTime() - t) / 1e9,
                    mb(loaded));
            // --conv both: a second copy of the models with direct convolutions, timed interleaved with the first
            StableDiffusionModels sdDirect = null;
            if (convBoth && !job) {
                ConvAlgorithm.set(ConvAlgorithm.DIRECT);
                sdDirect = StableDiffusionModels.load(bundleDir.getFileName().toString(), new ModelBundle(bundleDir),
                        device, weights);
                ConvAlgorithm.set(ConvAlgorithm.AUTO);
                long both = NativeMemory.residentBytes();
                System.out.printf(Locale.ROOT, "loaded   the same with direct convolutions: +%s (the AUTO copy: %s)%n",
                        mb(both - loaded), mb(loaded));
                loaded = both;
            }
            System.out.println();
            if (job) {
                String mode = option(args, "--mode", "text");
                Path out = Path.of(option(args, "--out", "target/benchmark-job"));
                int steps = Integer.parseInt(option(args, "--steps", mode.equals("edge") || mode.equals("pose") ? "20" : "50"));
                if (mode.equals("text") && args.contains("--variants")) {
                    JobBenchmark.runVariants(sd, frames, steps, Double.parseDouble(option(args, "--merging", "0.5")),
                            out);
                } else if (mode.equals("text")) {
                    JobBenchmark.run(sd, frames, steps, option(args, "--scheduler", "ddim"),
                            Double.parseDouble(option(args, "--merging", "0")), out);
                } else {
                    ControlNetModel cn = null;
                    if (!mode.equals("pix2pix")) {
                        Path cnDir = controlnet != null ? Path.of(controlnet) : models.resolve("controlnet-" + mode + "-demo");
                        if (!Files.isDirectory(cnDir)) {
                            RandomBundleWriter.writeControlNet("demo-controlnet", cnDir, 0);
                        }
                        cn = ControlNetModel.load(new ModelBundle(cnDir), ".", weights, device.products());
                    }
                    JobBenchmark.runMode(mode, sd, cn, frames, steps, out);
                }
                return;
            }
            System.out.printf(Locale.ROOT, "%-44s %10s %9s %8s %7s %10s %12s%n", "component", "median ms", "GFLOP",
                    "GFLOP/s", "% peak", "peak RSS", "above load");
            Table table = new Table(repeat, weights, kernels, machine.peakGflops(), loaded);
            long d = sd.textEncoder().config().hiddenSize();
            long ctx = sd.unet().config().crossAttentionDim();
            long c = sd.unet().config().inChannels();
            DataType dt = device.dtype();

            if (components.contains("text")) {
                table.run("text encoder, 2 prompts", m -> {
                    NDArray ids = sd.tokenizer().inputIds(m, List.of("a horse galloping on a street", ""));
                    sd.textEncoder().forward(ids);
                });
            }
            Function<StableDiffusionModels, Body> unetStepOf = s -> m -> {
                NDArray x = m.randomNormal(new Shape(2, c, latent, latent)).toType(dt, false);
                NDArray e = m.randomNormal(new Shape(2, 77, ctx)).toType(dt, false);
                s.unet().forward(x, m.create(500f), e, AttnProcessors.DEFAULT, null);
            };
            Function<StableDiffusionModels, Body> crossFrameStepOf = s -> m -> {
                NDArray x = m.randomNormal(new Shape(2L * frames, c, latent, latent)).toType(dt, false);
                NDArray e = m.randomNormal(new Shape(2L * frames, 77, ctx)).toType(dt, false);
                s.unet().forward(x, m.create(500f), e, AttnProcessors.all(new CrossFrameAttnProcessor(2)), null);
            };
            Function<StableDiffusionModels, Body> vaeDecodeOf = s -> m -> {
                NDArray z = m.randomNormal(new Shape(1, s.vae().config().latentChannels(), latent, latent));
                s.vae().decode(z.toType(s.vae().dtype(), false));
            };
            Body unetStep = unetStepOf.apply(sd);
            Body crossFrameStep = crossFrameStepOf.apply(sd);
            Body vaeDecode = vaeDecodeOf.apply(sd);
            StableDiffusionModels direct = sdDirect;
            // one row, or with --conv both the AUTO and DIRECT copies interleaved and their speed-up
            java.util.function.BiConsumer<String, Function<StableDiffusionModels, Body>> row = (name, body) -> {
                if (direct == null) {
                    table.run(name, body.apply(sd));
                    return;
                }
                double[] medians = table.runSideBySide(List.of(name + " [conv auto]", name + " [conv direct]"),
                        List.of(body.apply(sd), body.apply(direct)));
                System.out.printf(Locale.ROOT, "%-44s %10.2fx%n", "  auto vs direct speed-up", medians[1] / medians[0]);
            };
            if (components.contains("unet")) {
                row.accept("unet step, batch 2, " + latent + "x" + latent, unetStepOf);
            }
            if (components.contains("crossframe")) {
                row.accept("unet step, 2x" + frames + " frames, cross-frame", crossFrameStepOf);
            }
            if (components.contains("tome")) {
                // token merging (tomesd) on the cross-frame step: ratio 0 and R interleaved, one run for both
                double ratio = Double.parseDouble(option(args, "--merging", "0.5"));
                SeededVideoNoise dst = new SeededVideoNoise(42);
                AttnProcessors merged = AttnProcessors.all(new CrossFrameAttnProcessor(2)).withTokenMerging(
                        TokenMerging.tomesd(ratio, (block, cells, size) -> dst.tokenMergeDst("benchmark", 0, block,
                                cells, size)));
                String step = "unet step, 2x" + frames + " frames, cross-frame, ";
                double[] medians = table.runSideBySide(List.of(step + "mergingRatio 0", step + "mergingRatio " + ratio),
                        List.of(crossFrameStep, m -> {
                            NDArray x = m.randomNormal(new Shape(2L * frames, c, latent, latent)).toType(dt, false);
                            NDArray e = m.randomNormal(new Shape(2L * frames, 77, ctx)).toType(dt, false);
                            sd.unet().forward(x, m.create(500f), e, merged, null);
                        }));
                System.out.printf(Locale.ROOT, "%-44s %10.2fx (mergingRatio %s vs 0, %dx%d latents)%n",
                        "token merging speed-up", medians[0] / medians[1], ratio, latent, latent);
            }
            if (components.contains("vae")) {
                row.accept("vae decode, 1 x " + latent + "x" + latent, vaeDecodeOf);
            }
            if (controlnet != null && components.contains("controlnet")) {
                ControlNetModel cn = ControlNetModel.load(new ModelBundle(Path.of(controlnet)), ".", weights, dt);
                int px = latent * sd.vaeScaleFactor();
                table.run("controlnet, batch 2, " + latent + "x" + latent, m -> {
                    NDArray x = m.randomNormal(new Shape(2, c, latent, latent)).toType(dt, false);
                    NDArray e = m.randomNormal(new Shape(2, 77, ctx)).toType(dt, false);
                    NDArray cond = m.randomUniform(0f, 1f, new Shape(2, 3, px, px)).toType(dt, false);
                    cn.forward(x, m.create(500f), e, cond, 1f, AttnProcessors.DEFAULT);
                });
            }
            if (components.contains("convs")) {
                ConvComparison.run(sd.unet().config(), sd.vae().config(), latent, frames, repeat, weights, dt);
            }
            if (args.contains("--profile")) {
                if (device.device().isGpu()) {
                    System.out.println("\n(profile: CUDA kernels run asynchronously, per-op wall times below are not their cost)");
                }
                for (AttentionKernel k : kernels) {
                    AttentionKernel.set(k);
                    if (components.contains("unet")) {
                        profile("unet step, batch 2 [" + k + "]", weights, unetStep);
                    }
                    if (components.contains("crossframe")) {
                        profile("unet step, 2x" + frames + " frames, cross-frame [" + k + "]", weights, crossFrameStep);
                    }
                    if (components.contains("vae")) {
                        profile("vae decode, 1 x " + latent + "x" + latent + " [" + k + "]", weights, vaeDecode);
                    }
                }
            }
        }
    }

    /** One body, run in a fresh scope: returns nothing, everything it makes is freed. */
    @FunctionalInterface
    interface Body {
        void run(NDManager manager);
    }

    /**
     * Times components: one warm-up per kernel, then {@code repeat} rounds in which every attention kernel runs once
     * (interleaved, so that a change of machine load hits all alike); one line per kernel.
     */
    private record Table(int repeat, NDManager parent, List<AttentionKernel> kernels, double peakGflops, long loaded) {

        void run(String name, Body body) {
            runSideBySide(List.of(name), List.of(body));
        }

        /**
         * Times {@code bodies} (labelled {@code names}) with every kernel, all interleaved within each repetition;
         * prints one line each and returns the medians (ms) of the first kernel, in the order of {@code bodies}.
         */
        double[] runSideBySide(List<String> names, List<Body> bodies) {
            int n = bodies.size() * kernels.size();
            long[] flops = new long[n];
            for (int b = 0; b < bodies.size(); b++) {
                for (int j = 0; j < kernels.size(); j++) {
                    AttentionKernel.set(kernels.get(j));
                    Body body = bodies.get(b);
                    flops[b * kernels.size() + j] = FlopCounter.measure(() -> once(parent, body)); // warm-up
                }
            }
            double[][] ms = new double[n][repeat];
            long[] peak = new long[n];
            for (int i = 0; i < repeat; i++) {
                for (int b = 0; b < bodies.size(); b++) {
                    for (int j = 0; j < kernels.size(); j++) {
                        int v = b * kernels.size() + j;
                        AttentionKernel.set(kernels.get(j));
                        NativeMemory.resetPeak();
                        long before = NativeMemory.residentBytes();
                        long t = System.nanoTime();
                        once(parent, bodies.get(b));
                        ms[v][i] = (System.nanoTime() - t) / 1e6;
                        peak[v] = Math.max(peak[v], Math.max(NativeMemory.peakResidentBytes(), before));
                    }
                }
            }
            double[] medians = new double[bodies.size()];
            for (int b = 0; b < bodies.size(); b++) {
                for (int j = 0; j < kernels.size(); j++) {
                    int v = b * kernels.size() + j;
                    Arrays.sort(ms[v]);
                    double median = ms[v][repeat / 2];
                    if (j == 0) {
                        medians[b] = median;
                    }
                    double gflops = flops[v] / 1e6 / median;
                    String label = kernels.size() > 1 ? names.get(b) + " [" + kernels.get(j) + "]" : names.get(b);
                    System.out.printf(Locale.ROOT, "%-44s %10.1f %9.2f %8.1f %6.0f%% %10s %12s%n", label, median,
                            flops[v] / 1e9, gflops, 100 * gflops / peakGflops, mb(peak[v]), mb(peak[v] - loaded));
                }
            }
            return medians;
        }
    }

    /** Time per op kind of one run of {@code body} (after the table's warm-ups), largest first. */
    private static void profile(String name, NDManager parent, Body body) {
        once(parent, body);
        long t = System.nanoTime();
        java.util.Map<String, long[]> kinds = OpProfiler.measure(() -> once(parent, body));
        double total = (System.nanoTime() - t) / 1e6;
        System.out.printf(Locale.ROOT, "%nprofile: %s, %.1f ms%n", name, total);
        double accounted = 0;
        List<java.util.Map.Entry<String, long[]>> sorted = new ArrayList<>(kinds.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        for (var e : sorted) {
            double ms = e.getValue()[0] / 1e6;
            accounted += ms;
            System.out.printf(Locale.ROOT, "  %-12s %10.1f ms %6.1f%% %6d calls%n", e.getKey(), ms, 100 * ms / total,
                    e.getValue()[1]);
        }
        System.out.printf(Locale.ROOT, "  %-12s %10.1f ms %6.1f%%   (upsampling, concat, residual adds, views...)%n",
                "other", total - accounted, 100 * (total - accounted) / total);
    }

    /** Writes a random-weight bundle in a separate JVM, so that this process's memory holds only what it loads. */
    private static void writeInChildProcess(String kind, String preset, Path target) throws Exception {
        System.out.println("writing random-weight '" + preset + "' " + kind + " to " + target + " (separate process) ...");
        long t = System.nanoTime();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                WriteRandomBundle.class.getName(), kind, preset, target.toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("writing " + target + " failed (exit " + p.exitValue() + ")");
        }
        System.out.printf(Locale.ROOT, "written in %.1f s%n", (System.nanoTime() - t) / 1e9);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
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
