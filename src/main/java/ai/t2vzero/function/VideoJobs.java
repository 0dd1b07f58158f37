package ai.t2vzero.function;

import ai.t2vzero.artifact.Artifact;
import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.ApiException;
import ai.t2vzero.errors.ServiceUnavailableException;
import ai.t2vzero.input.VideoInputs;
import ai.t2vzero.ops.JobMetrics;
import ai.t2vzero.ops.ServiceState;
import ai.t2vzero.pipeline.GenerationListener;
import ai.t2vzero.pipeline.GenerationService;
import ai.t2vzero.pipeline.GenerationStoppedException;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.VideoFormat;
import ai.t2vzero.video.VideoFrames;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs the functions' jobs: a job slot ({@code t2v.limits.max-concurrent-jobs}, waiting at most
 * {@code t2v.limits.queue-timeout}), the native-memory guard ({@link NativeAllocationGuard}: libtorch out of memory
 * is a 503), metrics per mode and outcome ({@link JobMetrics}), around the mode's generation
 * ({@link GenerationService}, which returns frames) and the publisher ({@link VideoPublisher}: encode, store). Input
 * videos are fetched before a slot is taken. A video is reported only once it is completely stored. Each job may
 * carry a {@link GenerationListener}: it hears the plan and every step of the engine, then the publisher's
 * {@code encode} and {@code store}, and may stop the job by throwing {@code GenerationStoppedException}.
 * Blocking: call it from a worker thread (Funqy runs functions on worker threads).
 */
@ApplicationScoped
public class VideoJobs {

    private static final Logger LOG = Logger.getLogger(VideoJobs.class);

    @Inject
    T2vConfig config;

    @Inject
    GenerationService generation;

    @Inject
    ai.t2vzero.bundle.BundleRegistry bundles;

    @Inject
    VideoPublisher publisher;

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

    @PostConstruct
    void init() {
        slots = new Semaphore(config.limits().maxConcurrentJobs(), true);
    }

    /**
     * Generates, encodes and stores one text-to-video video.
     *
     * @param publicBaseUrl base of artifact URLs without trailing slash, e.g. "https://t2v.example.com"
     *                      (see {@code ArtifactStore#url})
     */
    public TextToVideoResponse textToVideo(TextToVideoParams params, String publicBaseUrl) {
        return textToVideo(params, publicBaseUrl, GenerationListener.NONE);
    }

    public TextToVideoResponse textToVideo(TextToVideoParams params, String publicBaseUrl, GenerationListener listener) {
        return measured(TextToVideoFunction.NAME, () -> {
            StageTimer timer = new StageTimer();
            load(params.model(), null, false, timer);
            return inSlot(params.format(), params.seed(), publicBaseUrl, timer, listener,
                    l -> generation.textToVideo(params, l, timer),
                    (a, v) -> String.format("text-to-video %s: %d frames %dx%d, seed %d, model %s", a.id(),
                            v.frameCount(), v.width(), v.height(), params.seed(), params.model()));
        });
    }

    /** edge-to-video and pose-to-video. */
    public TextToVideoResponse controlVideo(ControlVideoJob job, String publicBaseUrl) {
        return controlVideo(job, publicBaseUrl, GenerationListener.NONE);
    }

    public TextToVideoResponse controlVideo(ControlVideoJob job, String publicBaseUrl, GenerationListener listener) {
        return measured(job.mode(), () -> {
            StageTimer timer = new StageTimer();
            load(job.model(), job.controlnet(), false, timer);
            return withInput(job.input(), timer, input -> inSlot(job.format(), job.seed(), publicBaseUrl, timer,
                    listener, l -> generation.controlVideo(job.model(), job.controlnet(), job.params(), job.seed(),
                            decode(input, job.input(), timer), job.canny(), job.input().fps(), l, timer),
                    (art, v) -> String.format("%s %s: %d frames %dx%d, seed %d, model %s, controlnet %s", job.mode(),
                            art.id(), v.frameCount(), v.width(), v.height(), job.seed(), job.model(),
                            job.controlnet())));
        });
    }

    /** video-pix2pix. */
    public TextToVideoResponse videoPix2Pix(VideoPix2PixJob job, String publicBaseUrl) {
        return videoPix2Pix(job, publicBaseUrl, GenerationListener.NONE);
    }

    public TextToVideoResponse videoPix2Pix(VideoPix2PixJob job, String publicBaseUrl, GenerationListener listener) {
        return measured(VideoPix2PixFunction.NAME, () -> {
            StageTimer timer = new StageTimer();
            load(job.model(), null, true, timer);
            return withInput(job.input(), timer, input -> inSlot(job.format(), job.seed(), publicBaseUrl, timer,
                    listener, l -> generation.videoPix2Pix(job.model(), job.params(), job.seed(),
                            decode(input, job.input(), timer), job.input().fps(), l, timer),
                    (art, v) -> String.format("video-pix2pix %s: %d frames %dx%d, seed %d, model %s", art.id(),
                            v.frameCount(), v.width(), v.height(), job.seed(), job.model())));
        });
    }

    /** The job's models, loaded (once) and checked before anything else: a bad name is refused at once. */
    private void load(String model, String controlnet, boolean pix2pix, StageTimer timer) {
        refuseWhenShuttingDown();
        guard.run(() -> {
            generation.load(model, controlnet, pix2pix, timer);
            return null;
        });
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete the input video %s: %s", file.getFileName(), e.getMessage());
        }
    }

    /**
     * Runs {@code job} on the input video as a local file, fetched before a slot is taken (downloading is not
     * generation) and deleted afterwards (decoding deletes it; this covers a job that never got its slot).
     */
    private TextToVideoResponse withInput(VideoInput input, StageTimer timer, Function<Path, TextToVideoResponse> job) {
        refuseWhenShuttingDown();
        Path file = inputs.fetch(input.video(), "video", timer);
        try {
            return job.apply(file);
        } finally {
            deleteQuietly(file);
        }
    }

    /**
     * Its sampled, resized frames, decoded inside the job slot (stream info checked against the input limits first,
     * a deadline on the decode): one decode at a time per slot, whatever the number of waiting requests.
     */
    private VideoFrames decode(Path file, VideoInput input, StageTimer timer) {
        return inputs.decode(file, "video", input.fps(), input.videoLength(), input.resolution(), timer);
    }

    /** In a job slot: generate (guarded), publish, answer. */
    private TextToVideoResponse inSlot(VideoFormat format, long seed, String publicBaseUrl, StageTimer timer,
                                       GenerationListener listener, Function<GenerationListener, VideoFrames> generate,
                                       LogLine logLine) {
        refuseWhenShuttingDown();
        acquireSlot();
        metrics.started();
        try {
            GenerationListener planned = VideoPublisher.planned(listener);
            VideoFrames video = guard.run(() -> generate.apply(planned));
            Artifact artifact = publisher.publish(video, format, timer, listener);
            LOG.infof("%s, %s", logLine.format(artifact, video), timer.millis());
            return new TextToVideoResponse(artifact.id(), store.url(artifact, publicBaseUrl), format.extension(),
                    video.frameCount(), video.width(), video.height(), (int) Math.round(video.fps()), seed,
                    seconds(timer));
        } finally {
            bundles.releaseHeld(); // the bundles this job used may be unloaded again (t2v.models.max-resident)
            metrics.ended();
            slots.release();
        }
    }

    /** The log line of a finished job. */
    @FunctionalInterface
    private interface LogLine {
        String format(Artifact artifact, VideoFrames video);
    }

    /** Runs one job of {@code mode}, counting and timing it by outcome. */
    private TextToVideoResponse measured(String mode, Supplier<TextToVideoResponse> job) {
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

    /** The outcome label of a failed job: the error taxonomy's own classification. */
    static JobMetrics.Outcome outcomeOf(Throwable t) {
        if (t instanceof ApiException e) {
            return e.clientError() ? JobMetrics.Outcome.INVALID : JobMetrics.Outcome.UNAVAILABLE;
        }
        if (t instanceof GenerationStoppedException stopped) {   // stopped on purpose: not a fault of the service
            return stopped.reason() == GenerationStoppedException.Reason.TIMEOUT
                    ? JobMetrics.Outcome.TIMEOUT : JobMetrics.Outcome.CANCELED;
        }
        return JobMetrics.Outcome.ERROR;
    }

    private void refuseWhenShuttingDown() {
        if (state.shuttingDown()) {
            throw new ServiceUnavailableException("the service is shutting down; retry (another instance takes it)",
                    config.limits().shutdownRetryAfter());
        }
    }

    private void acquireSlot() {
        metrics.enqueued();
        try {
            if (!slots.tryAcquire(config.limits().queueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ServiceUnavailableException("all " + config.limits().maxConcurrentJobs()
                        + " job slots are busy; retry later", config.limits().busyRetryAfter());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException("interrupted while waiting for a job slot",
                    config.limits().shutdownRetryAfter());
        } finally {
            metrics.dequeued();
        }
    }

    private static Map<String, Double> seconds(StageTimer timer) {
        Map<String, Double> out = new LinkedHashMap<>();
        timer.millis().forEach((k, v) -> out.put(k, Math.round(v) / 1000.0));
        return out;
    }
}
