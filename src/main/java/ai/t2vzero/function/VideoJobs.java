package ai.t2vzero.function;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.artifact.Artifact;
import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.bundle.UnknownBundleException;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.ops.JobMetrics;
import ai.t2vzero.ops.ServiceState;
import ai.t2vzero.pipeline.GenerationRun;
import ai.t2vzero.pipeline.SeededVideoNoise;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.pipeline.TextToVideoZeroPipeline;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.FrameTensors;
import ai.t2vzero.video.VideoEncoder;
import ai.t2vzero.video.VideoFormat;
import ai.t2vzero.video.VideoFrames;
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

/**
 * Runs generations for the functions: pipeline, video encoding, artifact storage. Throws
 * {@link InvalidFieldException} for request values only it can check (an unknown model, field "model"),
 * {@link ServiceUnavailableException} (503) when no job slot frees up in time, when the service is shutting down and
 * when libtorch runs out of memory ({@link NativeAllocationGuard}). A video is reported only once it is completely
 * stored: any failure before that (an S3 upload that fails included: 500 with an error id) leaves no artifact and
 * no temp file behind. Every job is counted and timed in {@link JobMetrics}.
 */
@ApplicationScoped
public class VideoJobs {

    private static final Logger LOG = Logger.getLogger(VideoJobs.class);

    /** The mode label of this function's jobs in metrics. */
    static final String MODE = "text-to-video";
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
        long start = System.nanoTime();
        JobMetrics.Outcome outcome = JobMetrics.Outcome.ERROR;
        try {
            TextToVideoResponse response = generate(params, publicBaseUrl);
            outcome = JobMetrics.Outcome.SUCCESS;
            return response;
        } catch (RuntimeException e) {
            outcome = outcomeOf(e);
            throw e;
        } finally {
            metrics.finished(MODE, outcome, System.nanoTime() - start);
        }
    }

    private TextToVideoResponse generate(TextToVideoParams params, String publicBaseUrl) {
        refuseWhenShuttingDown();
        StageTimer timer = new StageTimer();
        StableDiffusionModels models;
        try (StageTimer.Stage ignored = timer.start("model_load")) {
            models = guard.run(() -> bundles.stableDiffusion(params.model(), "model"));
        } catch (UnknownBundleException e) {
            throw new InvalidFieldException(e.field(), e.getMessage());
        }
        TextToVideoParams p = params.withNativeSize(models.nativeSize());
        acquireSlot();
        metrics.started();
        try {
            VideoFrames video = guard.run(() -> {
                try (NDManager out = NDManager.newBaseManager(Device.cpu())) {
                    NDArray frames = new TextToVideoZeroPipeline(models).generate(p,
                            GenerationRun.of(new SeededVideoNoise(p.seed()), timer), out);   // [F, H, W, 3] in [0, 1]
                    return FrameTensors.fromFhwc(frames, p.fps());
                }
            });
            Artifact artifact = encodeAndStore(video, VideoFormat.parse(p.format().name().toLowerCase()), timer);
            LOG.infof("text-to-video %s: %d frames %dx%d, seed %d, model %s, %s", artifact.id(), p.videoLength(),
                    p.width(), p.height(), p.seed(), p.model(), timer.millis());
            return new TextToVideoResponse(artifact.id(), store.url(artifact, publicBaseUrl),
                    p.format().name().toLowerCase(), video.frameCount(), video.width(), video.height(), p.fps(),
                    p.seed(), seconds(timer));
        } finally {
            metrics.ended();
            slots.release();
        }
    }

    /** The outcome label of a failed job (see {@link ErrorMapping} for the matching statuses). */
    static JobMetrics.Outcome outcomeOf(Throwable t) {
        if (t instanceof InvalidFieldException || t instanceof PayloadTooLargeException) {
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
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warnf("cannot delete temp file %s: %s", tmp, e.getMessage());
                }
            }
        }
    }

    private static Map<String, Double> seconds(StageTimer timer) {
        Map<String, Double> out = new LinkedHashMap<>();
        timer.millis().forEach((k, v) -> out.put(k, Math.round(v) / 1000.0));
        return out;
    }
}
