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
 *
 * <p>The native libraries' own caches follow it too ({@link #placeNativeCaches}): JNA's temp folder, and, when the
 * user's home cannot be written (a read-only root), JavaCPP's (FFmpeg, OpenCV) and DJL's (libtorch) extraction caches,
 * which would otherwise fall back to {@code java.io.tmpdir}. Vert.x' file cache goes below it through
 * {@code quarkus.vertx.cache-directory} (application.properties). So with a read-only root filesystem, the work
 * directory is the only volume the service needs.
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
        placeNativeCaches();
    }

    /** Folder of caches that survive restarts of the process (unlike {@link #temp()}): native libraries, Vert.x. */
    public Path cache() {
        return root.resolve("cache");
    }

    /**
     * Points the native libraries' temp and cache folders below the work directory where the deployment has not
     * chosen one itself: JNA ({@code jna.tmpdir}) always; JavaCPP ({@code org.bytedeco.javacpp.cachedir}) and DJL
     * ({@code ENGINE_CACHE_DIR}) when their default in the user's home is not writable, since they would fall back
     * to {@code java.io.tmpdir}. Must run before the first of them loads (the engine warm-up waits for this bean).
     */
    void placeNativeCaches() {
        Path home = Path.of(System.getProperty("user.home", "/nonexistent"));
        if (System.getProperty("jna.tmpdir") == null) {
            System.setProperty("jna.tmpdir", requireWritable(temp().resolve("jna"), "t2v.work-dir").toString());
        }
        if (System.getProperty("org.bytedeco.javacpp.cachedir") == null && !writable(home.resolve(".javacpp/cache"))) {
            System.setProperty("org.bytedeco.javacpp.cachedir",
                    requireWritable(cache().resolve("javacpp"), "t2v.work-dir").toString());
        }
        if (unset("ENGINE_CACHE_DIR") && unset("DJL_CACHE_DIR") && !writable(home.resolve(".djl.ai"))) {
            System.setProperty("ENGINE_CACHE_DIR", requireWritable(cache().resolve("djl"), "t2v.work-dir").toString());
        }
    }

    private static boolean unset(String name) {
        return System.getenv(name) == null && System.getProperty(name) == null;
    }

    /** Whether {@code dir} exists or can be created, and takes a file. */
    static boolean writable(Path dir) {
        try {
            requireWritable(dir, "-");
            return true;
        } catch (IllegalStateException e) {
            return false;
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
            throw new IllegalStateException(notWritable(key, dir, e.toString()), e);
        }
    }

    /** The one message for a folder that cannot be written: the key, its environment form and what to do. */
    static String notWritable(String key, Path dir, String reason) {
        return key + " (" + dir + ") is not a writable directory: " + reason + ". Set " + key + " (environment "
                + key.toUpperCase().replace('.', '_').replace('-', '_')
                + ") to a writable volume, e.g. an emptyDir or PVC mounted in the container";
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
