package ai.t2vzero.function;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.artifact.Artifact;
import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.bundle.UnknownBundleException;
import ai.t2vzero.config.T2vConfig;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs generations for the functions: pipeline, video encoding, artifact storage. Throws
 * {@link InvalidFieldException} for request values only it can check (an unknown model, field "model"),
 * {@link ServiceUnavailableException} when no job slot frees up in time. A video is reported only once it is
 * completely stored: any failure before that leaves no artifact and no temp file behind.
 */
@ApplicationScoped
public class VideoJobs {

    private static final Logger LOG = Logger.getLogger(VideoJobs.class);

    @Inject
    T2vConfig config;

    @Inject
    BundleRegistry bundles;

    @Inject
    ArtifactStore store;

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
        StageTimer timer = new StageTimer();
        StableDiffusionModels models;
        try (StageTimer.Stage ignored = timer.start("model_load")) {
            models = bundles.stableDiffusion(params.model(), "model");
        } catch (UnknownBundleException e) {
            throw new InvalidFieldException(e.field(), e.getMessage());
        }
        TextToVideoParams p = params.withNativeSize(models.nativeSize());
        acquireSlot();
        try {
            VideoFrames video;
            try (NDManager out = NDManager.newBaseManager(Device.cpu())) {
                NDArray frames = new TextToVideoZeroPipeline(models).generate(p,
                        GenerationRun.of(new SeededVideoNoise(p.seed()), timer), out);   // [F, H, W, 3] in [0, 1]
                video = FrameTensors.fromFhwc(frames, p.fps());
            }
            Artifact artifact = encodeAndStore(video, VideoFormat.parse(p.format().name().toLowerCase()), timer);
            LOG.infof("text-to-video %s: %d frames %dx%d, seed %d, model %s, %s", artifact.id(), p.videoLength(),
                    p.width(), p.height(), p.seed(), p.model(), timer.millis());
            return new TextToVideoResponse(artifact.id(), store.url(artifact, publicBaseUrl),
                    p.format().name().toLowerCase(), video.frameCount(), video.width(), video.height(), p.fps(),
                    p.seed(), seconds(timer));
        } finally {
            slots.release();
        }
    }

    private void acquireSlot() {
        try {
            if (!slots.tryAcquire(config.limits().queueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ServiceUnavailableException("all " + config.limits().maxConcurrentJobs()
                        + " job slots are busy; retry later", java.time.Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException("interrupted while waiting for a job slot", java.time.Duration.ofSeconds(5));
        }
    }

    /** Encodes to a temp file, stores it, deletes the temp file whatever happens. */
    private Artifact encodeAndStore(VideoFrames video, VideoFormat format, StageTimer timer) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("t2v-", "." + format.extension());
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
