package ai.t2vzero.function;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.artifact.Artifact;
import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.bundle.UnknownBundleException;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.input.VideoInputException;
import ai.t2vzero.input.VideoInputs;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.ops.JobMetrics;
import ai.t2vzero.ops.ServiceState;
import ai.t2vzero.pipeline.ControlVideoPipeline;
import ai.t2vzero.pipeline.VideoPix2PixParams;
import ai.t2vzero.pipeline.ControlVideoParams;
import ai.t2vzero.pipeline.GenerationRun;
import ai.t2vzero.pipeline.SeededVideoNoise;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.pipeline.TextToVideoZeroPipeline;
import ai.t2vzero.pipeline.VideoPix2PixPipeline;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.FrameSampling;
import ai.t2vzero.video.FrameTensors;
import ai.t2vzero.video.VideoEncoder;
import ai.t2vzero.video.VideoFormat;
import ai.t2vzero.video.VideoFrames;
import ai.t2vzero.video.VideoReadException;
import ai.t2vzero.video.VideoReader;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs generations for the functions: (input video: fetch, sample, resize, optional Canny ->) pipeline, video
 * encoding, artifact storage. Throws {@link InvalidFieldException} for request values only it can check (an unknown
 * or unfit model or ControlNet, fields "model" / "controlnet"), {@link VideoInputException} for an input video that
 * cannot be fetched or read (field "video"), {@link ServiceUnavailableException} when no job slot frees up in time.
 * Input videos are fetched before a job slot is taken. A video is reported only once it is completely stored: any
 * failure before that (an S3 upload that fails included: 500 with an error id) leaves no artifact and no temp file
 * behind. 503 + Retry-After also when the service is shutting down and when libtorch runs out of memory
 * ({@link NativeAllocationGuard}). Every job is counted and timed per mode in {@link JobMetrics}. Blocking: call it
 * from a worker thread (Funqy runs functions on worker threads).
 */
@ApplicationScoped
public class VideoJobs {

    private static final Logger LOG = Logger.getLogger(VideoJobs.class);

    static final Duration SHUTDOWN_RETRY_AFTER = Duration.ofSeconds(5);
    /** Encoded videos wait in the temp directory under this prefix (the pid tells processes apart) until stored. */
    static final String TEMP_PREFIX = "t2v-" + ProcessHandle.current().pid() + "-";

    @Inject
    T2vConfig config;

    @Inject
    BundleRegistry bundles;

    @Inject
    ArtifactStore store;

    @Inject
    VideoInputs inputs;

    @Inject
    NativeAllocationGuard guard;

    @Inject
    JobMetrics metrics;

    @Inject
    ServiceState state;

    private Semaphore slots;
    private final VideoEncoder encoder = new VideoEncoder();

    @PostConstruct
    void init() {
        slots = new Semaphore(config.limits().maxConcurrentJobs(), true);
    }

    /**
     * Generates, encodes and stores one video.
     *
     * @param params        validated parameters
     * @param publicBaseUrl base of artifact URLs without trailing slash, e.g. "https://t2v.example.com"
     *                      (see {@code ArtifactStore#url})
     */
    public TextToVideoResponse textToVideo(TextToVideoParams params, String publicBaseUrl) {
        return measured("text-to-video", () -> {
            try {
                return runTextToVideo(params, publicBaseUrl);
            } finally {
                releaseHeld();
            }
        });
    }

    private TextToVideoResponse runTextToVideo(TextToVideoParams params, String publicBaseUrl) {
        refuseWhenShuttingDown();
        StageTimer timer = new StageTimer();
        StableDiffusionModels models = stableDiffusion(params.model(), timer);
        TextToVideoParams sized = params.withNativeSize(models.nativeSize());
        TextToVideoParams p = sized.withChunkSize(models.chunkSizeWithin(sized.chunkSize(),
                config.limits().chunkMemoryBudget().asLongValue(), sized.height(), sized.width(), sized.videoLength()));
        VideoFormat format = p.format();
        return generate(format, p.fps(), p.seed(), publicBaseUrl, timer, out -> new TextToVideoZeroPipeline(models)
                .generate(p, GenerationRun.of(new SeededVideoNoise(p.seed()), timer), out),
                a -> String.format("text-to-video %s: %d frames %dx%d, seed %d, model %s", a.id(), p.videoLength(),
                        p.width(), p.height(), p.seed(), p.model()));
    }

    /**
     * edge-to-video and pose-to-video: the input video's sampled frames (Canny edges of them, when the job says so)
     * are the control images of {@link ControlVideoPipeline}.
     */
    public TextToVideoResponse controlVideo(ControlVideoJob job, String publicBaseUrl) {
        return measured(job.mode(), () -> {
            try {
                return runControlVideo(job, publicBaseUrl);
            } finally {
                releaseHeld();
            }
        });
    }

    private TextToVideoResponse runControlVideo(ControlVideoJob job, String publicBaseUrl) {
        refuseWhenShuttingDown();
        StageTimer timer = new StageTimer();
        StableDiffusionModels models = stableDiffusion(job.model(), timer);
        ControlNetModel controlnet;
        try (StageTimer.Stage ignored = timer.start("model_load")) {
            controlnet = guard.run(() -> bundles.controlNet(job.controlnet(), "controlnet"));
            HELD.get().add(() -> bundles.releaseControlNet(job.controlnet()));
        } catch (UnknownBundleException e) {
            throw new InvalidFieldException(e.field(), e.getMessage());
        }
        ControlVideoPipeline pipeline;
        try {
            pipeline = new ControlVideoPipeline(models, controlnet);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("controlnet", "controlnet '" + job.controlnet() + "': " + e.getMessage());
        }
        VideoFrames input = readInput(job.input(), timer);
        VideoFrames control = input;
        if (job.canny() != null) {
            try (StageTimer.Stage ignored = timer.start("canny")) {
                control = job.canny().apply(input);
            }
        }
        VideoFrames conditions = control;
        ControlVideoParams params = job.params().withChunkSize(models.chunkSizeWithin(job.params().chunkSize(),
                config.limits().chunkMemoryBudget().asLongValue(), conditions.height(), conditions.width(),
                conditions.frameCount()));
        return generate(job.format(), job.input().fps(), job.seed(), publicBaseUrl, timer, out -> {
            try (NDManager in = NDManager.newBaseManager(models.device().device())) {
                NDArray images = FrameTensors.toFchw(conditions, in);                  // [F, 3, H, W] in [0, 1]
                return pipeline.generate(params, images, GenerationRun.of(new SeededVideoNoise(job.seed()), timer),
                        out);
            }
        }, a -> String.format("%s %s: %d frames %dx%d, seed %d, model %s, controlnet %s", job.mode(), a.id(),
                conditions.frameCount(), conditions.width(), conditions.height(), job.seed(), job.model(),
                job.controlnet()));
    }

    /** video-pix2pix: every sampled frame of the input video is edited by {@link VideoPix2PixPipeline}. */
    public TextToVideoResponse videoPix2Pix(VideoPix2PixJob job, String publicBaseUrl) {
        return measured("video-pix2pix", () -> {
            try {
                return runVideoPix2Pix(job, publicBaseUrl);
            } finally {
                releaseHeld();
            }
        });
    }

    /** Bundles this thread's job holds (so they are not unloaded while it runs), released when the job ends. */
    private static final ThreadLocal<java.util.List<Runnable>> HELD = ThreadLocal.withInitial(java.util.ArrayList::new);

    private static void releaseHeld() {
        java.util.List<Runnable> held = HELD.get();
        held.forEach(Runnable::run);
        held.clear();
    }

    private TextToVideoResponse runVideoPix2Pix(VideoPix2PixJob job, String publicBaseUrl) {
        refuseWhenShuttingDown();
        StageTimer timer = new StageTimer();
        StableDiffusionModels models = stableDiffusion(job.model(), timer);
        VideoPix2PixPipeline pipeline;
        try {
            pipeline = new VideoPix2PixPipeline(models);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("model", e.getMessage());
        }
        VideoFrames input = readInput(job.input(), timer);
        VideoPix2PixParams params = job.params().withChunkSize(models.chunkSizeWithin(job.params().chunkSize(),
                config.limits().chunkMemoryBudget().asLongValue(), input.height(), input.width(), input.frameCount()));
        return generate(job.format(), job.input().fps(), job.seed(), publicBaseUrl, timer, out -> {
            try (NDManager in = NDManager.newBaseManager(models.device().device())) {
                NDArray video = FrameTensors.toFchw(input, in);                          // [F, 3, H, W] in [0, 1]
                return pipeline.generate(params, video, GenerationRun.of(new SeededVideoNoise(job.seed()), timer),
                        out);
            }
        }, a -> String.format("video-pix2pix %s: %d frames %dx%d, seed %d, model %s", a.id(), input.frameCount(),
                input.width(), input.height(), job.seed(), job.model()));
    }

    /** The SD bundle {@code name} (request field "model"), loading it on first use. */
    private StableDiffusionModels stableDiffusion(String name, StageTimer timer) {
        try (StageTimer.Stage ignored = timer.start("model_load")) {
            StableDiffusionModels models = guard.run(() -> bundles.stableDiffusion(name, "model"));
            HELD.get().add(() -> bundles.release(name));
            return models;
        } catch (UnknownBundleException e) {
            throw new InvalidFieldException(e.field(), e.getMessage());
        }
    }

    /**
     * The shared tail of every mode, in a job slot: run {@code pipeline} (frames [F, H, W, 3] in [0, 1], owned by the
     * manager it is given), encode, store, answer.
     */
    private TextToVideoResponse generate(VideoFormat format, int fps, long seed, String publicBaseUrl, StageTimer timer,
                                         Function<NDManager, NDArray> pipeline, Function<Artifact, String> logLine) {
        acquireSlot();
        metrics.started();
        try {
            VideoFrames video = guard.run(() -> {
                try (NDManager out = NDManager.newBaseManager(Device.cpu())) {
                    return FrameTensors.fromFhwc(pipeline.apply(out), fps);
                }
            });
            Artifact artifact = encodeAndStore(video, format, timer);
            LOG.infof("%s, %s", logLine.apply(artifact), timer.millis());
            return new TextToVideoResponse(artifact.id(), store.url(artifact, publicBaseUrl), format.extension(),
                    video.frameCount(), video.width(), video.height(), fps, seed, seconds(timer));
        } finally {
            metrics.ended();
            slots.release();
        }
    }

    /** Runs one job of {@code mode}, counting and timing it by outcome. */
    private TextToVideoResponse measured(String mode, java.util.function.Supplier<TextToVideoResponse> job) {
        long start = System.nanoTime();
        JobMetrics.Outcome outcome = JobMetrics.Outcome.ERROR;
        try {
            TextToVideoResponse response = job.get();
            outcome = JobMetrics.Outcome.SUCCESS;
            return response;
        } catch (RuntimeException e) {
            outcome = outcomeOf(e);
            throw e;
        } finally {
            metrics.finished(mode, outcome, System.nanoTime() - start);
        }
    }

    /** The outcome label of a failed job (see {@link ErrorMapping} for the matching statuses). */
    static JobMetrics.Outcome outcomeOf(Throwable t) {
        if (t instanceof InvalidFieldException || t instanceof PayloadTooLargeException
                || t instanceof VideoInputException) {
            return JobMetrics.Outcome.INVALID;
        }
        if (t instanceof ServiceUnavailableException) {
            return JobMetrics.Outcome.UNAVAILABLE;
        }
        return JobMetrics.Outcome.ERROR;
    }

    private void refuseWhenShuttingDown() {
        if (state.shuttingDown()) {
            throw new ServiceUnavailableException("the service is shutting down; retry (another instance takes it)",
                    SHUTDOWN_RETRY_AFTER);
        }
    }

    /**
     * Fetches the input video (an upload or a URL) and reads its sampled, resized frames; the fetched file is deleted
     * whatever happens. A file FFmpeg cannot use is a 422 on field "video".
     */
    private VideoFrames readInput(VideoInput input, StageTimer timer) {
        Path file;
        try (StageTimer.Stage ignored = timer.start("video_fetch")) {
            file = inputs.resolve(input.video(), "video");
        }
        try (StageTimer.Stage ignored = timer.start("video_read")) {
            return new VideoReader(file).readFrames(FrameSampling.of(input.fps(), input.videoLength()),
                    input.resolution());
        } catch (VideoReadException e) {
            // the message names our temp file: say "the video" instead
            String message = String.valueOf(e.getMessage()).replace(file.toAbsolutePath().toString(), "the video")
                    .replace(file.toString(), "the video");
            throw new VideoInputException(422, "unreadable_video", "video", message, e);
        } finally {
            delete(file);
        }
    }

    private void acquireSlot() {
        metrics.enqueued();
        try {
            if (!slots.tryAcquire(config.limits().queueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ServiceUnavailableException("all " + config.limits().maxConcurrentJobs()
                        + " job slots are busy; retry later", Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException("interrupted while waiting for a job slot", Duration.ofSeconds(5));
        } finally {
            metrics.dequeued();
        }
    }

    /** Encodes to a temp file, stores it, deletes the temp file whatever happens. */
    private Artifact encodeAndStore(VideoFrames video, VideoFormat format, StageTimer timer) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(TEMP_PREFIX, "." + format.extension());
            try (StageTimer.Stage ignored = timer.start("encode")) {
                encoder.encode(video, format, tmp);
            }
            try (StageTimer.Stage ignored = timer.start("upload")) {
                return store.put(tmp, format.mediaType(), format.extension());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("storing the video failed", e);
        } finally {
            if (tmp != null) {
                delete(tmp);
            }
        }
    }

    private static void delete(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            LOG.warnf("cannot delete temp file %s: %s", tmp, e.getMessage());
        }
    }

    private static Map<String, Double> seconds(StageTimer timer) {
        Map<String, Double> out = new LinkedHashMap<>();
        timer.millis().forEach((k, v) -> out.put(k, Math.round(v) / 1000.0));
        return out;
    }
}
