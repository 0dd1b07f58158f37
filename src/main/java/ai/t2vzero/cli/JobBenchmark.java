package ai.t2vzero.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.artifact.Artifact;
import ai.t2vzero.artifact.LocalArtifactStore;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.pipeline.ControlVideoParams;
import ai.t2vzero.pipeline.ControlVideoPipeline;
import ai.t2vzero.pipeline.GenerationRun;
import ai.t2vzero.pipeline.VideoPix2PixParams;
import ai.t2vzero.pipeline.VideoPix2PixPipeline;
import ai.t2vzero.video.CannyEdges;
import ai.t2vzero.pipeline.PipelineTrace;
import ai.t2vzero.pipeline.SeededVideoNoise;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.pipeline.TextToVideoZeroPipeline;
import ai.t2vzero.pipeline.VideoChunker;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.NativeMemory;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.scheduler.Scheduler;
import ai.t2vzero.scheduler.Schedulers;
import ai.t2vzero.video.FrameTensors;
import ai.t2vzero.video.VideoEncoder;
import ai.t2vzero.video.VideoFormat;
import ai.t2vzero.video.VideoFrames;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One whole text-to-video job as the service runs it (pipeline, MP4 encoding, artifact store), timed per stage,
 * with the UNet passes it made against the count the algorithm implies and the peak resident memory.
 */
final class JobBenchmark {

    private JobBenchmark() {}

    /**
     * A video-mode job on a synthetic input clip (a square moving over a gradient, the bundle's native size):
     * {@code edge} (Canny extraction + ControlNet), {@code pose} (the clip used as the pose video) or {@code pix2pix}.
     */
    static void runMode(String mode, StableDiffusionModels sd, ControlNetModel controlnet, int frames, int steps,
                        Path out) throws Exception {
        int size = sd.nativeSize();
        VideoFrames input = syntheticClip(frames, size);
        StageTimer timer = new StageTimer();
        AtomicInteger unetPasses = new AtomicInteger();
        PipelineTrace countPasses = (name, value) -> {
            if (name.endsWith("step_latents")) {
                unetPasses.incrementAndGet();
            }
        };
        NativeMemory.resetPeak();
        long start = System.nanoTime();
        long[] flops = new long[1];
        VideoFrames video;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] result = new NDArray[1];
            GenerationRun run = new GenerationRun(new SeededVideoNoise(42), timer, countPasses, null, false);
            if (mode.equals("pix2pix")) {
                NDArray clip = FrameTensors.toFchw(input, m);                              // [F, 3, H, W] in [0, 1]
                VideoPix2PixParams p = new VideoPix2PixParams("make it Van Gogh Starry Night style", "", steps, 7.5,
                        1.5, 8, "euler_ancestral");
                flops[0] = FlopCounter.measure(() -> result[0] = new VideoPix2PixPipeline(sd).generate(p, clip, run, m));
            } else {
                VideoFrames control = input;
                if (mode.equals("edge")) {
                    try (StageTimer.Stage ignored = timer.start("canny")) {
                        control = new CannyEdges().apply(input);
                    }
                }
                NDArray cond = FrameTensors.toFchw(control, m);                           // [F, 3, H, W] in [0, 1]
                ControlVideoParams p = new ControlVideoParams("oil painting of a deer, a high-quality, detailed",
                        "", steps, 9.0, 1.0, 0.0, 8, "ddim");
                flops[0] = FlopCounter.measure(() ->
                        result[0] = new ControlVideoPipeline(sd, controlnet).generate(p, cond, run, m));
            }
            video = FrameTensors.fromFhwc(result[0], 4);
        }
        report(mode, sd, frames, size, steps, video, timer, flops[0], start, out,
                unetPasses.get() + " steps x chunks (each step one UNet" + (mode.equals("pix2pix") ? "" : " + one ControlNet")
                        + " pass over its chunk)");
    }

    /** F frames of a white square moving right over a colour gradient. */
    static VideoFrames syntheticClip(int frames, int size) {
        java.util.List<byte[]> list = new java.util.ArrayList<>();
        for (int f = 0; f < frames; f++) {
            byte[] rgb = new byte[size * size * 3];
            int x0 = size / 8 + f * size / (2 * Math.max(1, frames));
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int i = (y * size + x) * 3;
                    boolean square = x >= x0 && x < x0 + size / 4 && y >= size / 3 && y < size / 3 + size / 4;
                    rgb[i] = (byte) (square ? 255 : x * 255 / size);
                    rgb[i + 1] = (byte) (square ? 255 : y * 255 / size);
                    rgb[i + 2] = (byte) (square ? 255 : 96);
                }
            }
            list.add(rgb);
        }
        return new VideoFrames(size, size, 4, list);
    }

    private static void report(String mode, StableDiffusionModels sd, int frames, int size, int steps, VideoFrames video,
                               StageTimer timer, long flops, long start, Path out, String passes) throws Exception {
        Files.createDirectories(out);
        Path mp4 = out.resolve(mode + ".mp4");
        try (StageTimer.Stage ignored = timer.start("encode")) {
            new VideoEncoder().encode(video, VideoFormat.MP4, mp4);
        }
        Artifact artifact;
        try (StageTimer.Stage ignored = timer.start("store")) {
            artifact = new LocalArtifactStore(out.resolve("artifacts")).put(mp4, "video/mp4", "mp4");
        }
        double total = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s job: %d frames %dx%d, %d steps, bundle %s%n", mode, frames, size, size, steps,
                sd.name());
        timer.millis().forEach((stage, ms) -> System.out.printf(Locale.ROOT, "  %-14s %10.1f ms%n", stage, ms));
        System.out.printf(Locale.ROOT, "  %-14s %10.1f ms%n", "total", total * 1e3);
        System.out.println("unet passes: " + passes);
        System.out.printf(Locale.ROOT, "model GFLOP: %.1f; peak RSS: %s; video %s (%d bytes)%n", flops / 1e9,
                Benchmark.mb(NativeMemory.peakResidentBytes()), mp4, artifact.size());
    }

    /** One job's outcome for the variants table: UNet passes and wall time. */
    record JobResult(String label, int unetPasses, double seconds) {}

    /**
     * The algorithmic levers side by side in one process: the default job (DDIM, {@code steps}), the same with token
     * merging at {@code mergingRatio}, and 20-step DPM-Solver++; one line each with UNet passes, time and the ratio
     * to the default.
     */
    static void runVariants(StableDiffusionModels sd, int frames, int steps, double mergingRatio, Path out)
            throws Exception {
        List<JobResult> results = List.of(
                run(sd, frames, steps, "ddim", 0, out.resolve("default")),
                run(sd, frames, steps, "ddim", mergingRatio, out.resolve("tome")),
                run(sd, frames, 20, "dpm-solver++", 0, out.resolve("dpm20")));
        double base = results.get(0).seconds();
        System.out.printf(Locale.ROOT, "%n%-40s %12s %10s %12s%n", "variant", "unet passes", "time s", "vs default");
        for (JobResult r : results) {
            System.out.printf(Locale.ROOT, "%-40s %12d %10.1f %11.2fx%n", r.label(), r.unetPasses(), r.seconds(),
                    base / r.seconds());
        }
    }

    static JobResult run(StableDiffusionModels sd, int frames, int steps, String scheduler, double mergingRatio, Path out)
            throws Exception {
        int size = sd.nativeSize();
        TextToVideoParams.SchedulerName schedulerName = TextToVideoParams.SchedulerName.parse(scheduler).orElseThrow(
                () -> new IllegalArgumentException("--scheduler must be one of " + TextToVideoParams.SchedulerName.list()));
        // the request defaults: t0 44, t1 47 at 50 steps, derived for other step counts (TimestepIndices)
        TextToVideoParams p = new TextToVideoParams("a horse galloping on a street", "", sd.name(), frames, size, size,
                steps, 7.5, 12, 12, 44, 47, 50, 0.0, 8, 42, schedulerName, ai.t2vzero.video.VideoFormat.MP4, 4)
                .withMergingRatio(mergingRatio);
        AtomicInteger unetPasses = new AtomicInteger();
        PipelineTrace countPasses = (name, value) -> {
            if (name.endsWith("_step_noise_pred")) {
                unetPasses.incrementAndGet();
            }
        };
        StageTimer timer = new StageTimer();
        NativeMemory.resetPeak();
        long start = System.nanoTime();
        long[] flops = new long[1];
        VideoFrames video;
        try (NDManager m = NDManager.newBaseManager()) {
            TextToVideoParams params = p;
            NDArray[] result = new NDArray[1];
            flops[0] = FlopCounter.measure(() -> result[0] = new TextToVideoZeroPipeline(sd).generate(params,
                    new GenerationRun(new SeededVideoNoise(42), timer, countPasses, null, false), m));
            video = FrameTensors.fromFhwc(result[0], p.fps());
        }
        Files.createDirectories(out);
        Path mp4 = out.resolve("job.mp4");
        try (StageTimer.Stage ignored = timer.start("encode")) {
            new VideoEncoder().encode(video, VideoFormat.MP4, mp4);
        }
        Artifact artifact;
        try (StageTimer.Stage ignored = timer.start("store")) {
            artifact = new LocalArtifactStore(out.resolve("artifacts")).put(mp4, "video/mp4", "mp4");
        }
        double total = (System.nanoTime() - start) / 1e9;

        java.util.function.IntFunction<double[]> schedule = k -> {
            try (Scheduler s = Schedulers.fromConfig(sd.schedulerConfig(), scheduler)) {
                s.setTimesteps(k);
                return s.timesteps();
            }
        };
        int n = schedule.apply(steps).length;
        ai.t2vzero.pipeline.TimestepIndices.T0T1 warp = p.warpIndices(schedule);
        int chunks = VideoChunker.chunks(frames, p.chunkSize()).size();
        int expected = (n - warp.t0() - 1) + chunks * (warp.t1() + 1);
        System.out.printf(Locale.ROOT, "job: %d frames %dx%d, %s, %d steps (t0 %d, t1 %d), %d chunk(s), "
                + "mergingRatio %s, bundle %s%n", frames, size, size, schedulerName.id(), steps, warp.t0(), warp.t1(), chunks,
                mergingRatio, sd.name());
        timer.millis().forEach((stage, ms) -> System.out.printf(Locale.ROOT, "  %-14s %10.1f ms%n", stage, ms));
        System.out.printf(Locale.ROOT, "  %-14s %10.1f ms%n", "total", total * 1e3);
        System.out.printf(Locale.ROOT, "unet passes: %d (theory: (n - t0 - 1) + chunks x (t1 + 1) = %d)%n",
                unetPasses.get(), expected);
        System.out.printf(Locale.ROOT, "model GFLOP: %.1f (%.1f GFLOP/s over the pipeline)%n", flops[0] / 1e9,
                flops[0] / 1e9 / ((timer.millis().values().stream().mapToDouble(Double::doubleValue).sum()) / 1e3));
        System.out.printf(Locale.ROOT, "peak RSS: %s; video %s (%d bytes)%n", Benchmark.mb(NativeMemory.peakResidentBytes()),
                mp4, Files.size(mp4));
        if (artifact.size() != Files.size(mp4)) {
            throw new IllegalStateException("stored artifact differs from the encoded file");
        }
        return new JobResult(String.format(Locale.ROOT, "%s, %d steps, mergingRatio %s", schedulerName.id(), steps,
                mergingRatio), unetPasses.get(), total);
    }
}
