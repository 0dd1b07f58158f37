package ai.t2vzero.function;

import ai.t2vzero.artifact.Artifact;
import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.pipeline.GenerationListener;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.VideoEncoder;
import ai.t2vzero.video.VideoFormat;
import ai.t2vzero.video.VideoFrames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tail of every job after the pipeline: encode the frames to a temp file, store it as an artifact, delete the
 * temp file whatever happens. Its two stages ({@value #ENCODE}, {@value #STORE}) are timed and reported to the job's
 * {@link GenerationListener} like the engine's ({@link #planned} adds them to the engine's plan).
 */
@ApplicationScoped
public class VideoPublisher {

    private static final Logger LOG = Logger.getLogger(VideoPublisher.class);

    static final String ENCODE = "encode";
    static final String STORE = "store";
    /** Encoded videos wait in the work directory's tmp/ under this prefix (the pid tells processes apart) until stored. */
    static final String TEMP_PREFIX = "t2v-" + ProcessHandle.current().pid() + "-";

    @Inject
    ArtifactStore store;

    @Inject
    ai.t2vzero.config.WorkDirectory work;

    private final VideoEncoder encoder = new VideoEncoder();

    /** Encodes and stores {@code video}; the artifact exists only once it is completely stored. */
    public Artifact publish(VideoFrames video, VideoFormat format, StageTimer timer, GenerationListener listener) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(work.temp(), TEMP_PREFIX, "." + format.extension());
            try (StageTimer.Stage ignored = timer.start(ENCODE)) {
                encoder.encode(video, format, tmp);
            }
            listener.onStep(ENCODE, 1, 1);
            Artifact artifact;
            try (StageTimer.Stage ignored = timer.start(STORE)) {
                artifact = store.put(tmp, format.mediaType(), format.extension());
            }
            listener.onStep(STORE, 1, 1);
            return artifact;
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

    /** {@code listener}, with this publisher's stages appended to the plan the engine announces. */
    static GenerationListener planned(GenerationListener listener) {
        return new GenerationListener() {
            @Override
            public void onPlan(List<StagePlan> plan) {
                List<StagePlan> all = new ArrayList<>(plan);
                all.add(new StagePlan(ENCODE, 1));
                all.add(new StagePlan(STORE, 1));
                listener.onPlan(List.copyOf(all));
            }

            @Override
            public void onStep(String stage, int step, int steps) {
                listener.onStep(stage, step, steps);
            }
        };
    }
}
