package ai.t2vzero.artifact;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.config.WorkDirectory;
import java.nio.file.Path;
import io.quarkus.runtime.Startup;

/** The {@link ArtifactStore} chosen by {@code t2v.artifacts.store}. */
@ApplicationScoped
public class ArtifactStoreProducer {

    @Produces
    @Singleton
    @Startup // a bad store setting fails startup, not the first request
    ArtifactStore artifactStore(T2vConfig config, WorkDirectory work) {
        return switch (config.artifacts().store()) {
            case LOCAL -> {
                Path dir = WorkDirectory.requireWritable(work.artifacts(),
                        config.artifacts().dir().isPresent() ? "t2v.artifacts.dir" : "t2v.work-dir");
                try {
                    yield new LocalArtifactStore(dir);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open the local artifact store", e);
                }
            }
            case S3 -> S3ArtifactStore.create(S3ArtifactStore.Settings.of(config.s3())
                    .coveringRetention(config.artifacts().retention()));
        };
    }

    void close(@Disposes ArtifactStore store) throws IOException {
        if (store instanceof Closeable c) {
            c.close();
        }
    }
}
