package ai.t2vzero.config;

import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code t2v.work-dir}: the only place the service writes by default, so that its image and app folder can be
 * read-only. Below it: {@code uploads/} (unless {@code t2v.inputs.uploads.dir}), {@code artifacts/} (unless
 * {@code t2v.artifacts.dir}), {@code models/} (demo bundles written on first use when {@code t2v.models.dir} has none)
 * and {@code tmp/} (videos being downloaded or encoded). At startup every folder is created and test-written, and
 * {@code tmp/} is emptied (what is there is left over from a crash); a folder that cannot be written stops startup
 * with a message naming the key to change.
 */
@ApplicationScoped
@Startup
public class WorkDirectory {

    private static final Logger LOG = Logger.getLogger(WorkDirectory.class);

    @Inject
    T2vConfig config;

    private Path root;

    @PostConstruct
    void init() {
        root = config.workDir().toAbsolutePath().normalize();
        requireWritable(root, "t2v.work-dir");
        requireWritable(temp(), "t2v.work-dir");
        int swept = emptyFolder(temp());
        if (swept > 0) {
            LOG.infof("removed %d leftover temp file(s) of an earlier run from the work directory", swept);
        }
    }

    /** The work directory itself (absolute). */
    public Path root() {
        return root;
    }

    /** Temp files (downloads, encoded videos before they are stored); emptied at startup. */
    public Path temp() {
        return root.resolve("tmp");
    }

    /** Where random-weight demo bundles are written when the models folder does not have them. */
    public Path demoModels() {
        return root.resolve("models");
    }

    /** Uploads folder: {@code t2v.inputs.uploads.dir} if set, else {@code uploads/} below the work directory. */
    public Path uploads(java.util.Optional<String> configured) {
        return configured.map(Path::of).orElse(root.resolve("uploads")).toAbsolutePath().normalize();
    }

    /** Local artifact folder: {@code t2v.artifacts.dir} if set, else {@code artifacts/} below the work directory. */
    public Path artifacts() {
        return config.artifacts().dir().orElse(root.resolve("artifacts")).toAbsolutePath().normalize();
    }

    /**
     * Creates {@code dir} and proves it takes a file, or fails naming {@code key} (an IllegalStateException: startup
     * stops with it).
     */
    public static Path requireWritable(Path dir, String key) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check-", ".tmp");
            Files.delete(probe);
            return dir;
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException(key + " (" + dir + ") is not a writable directory: " + e
                    + ". Set " + key + " (environment " + key.toUpperCase().replace('.', '_').replace('-', '_')
                    + ") to a writable volume, e.g. an emptyDir or PVC mounted in the container", e);
        }
    }

    /** Deletes everything inside {@code dir} (not {@code dir} itself); returns how many entries went. */
    public static int emptyFolder(Path dir) {
        int deleted = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                try (Stream<Path> tree = Files.walk(p)) {
                    for (Path q : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
                deleted++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir, e);
        }
        return deleted;
    }
}
