package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Uploaded videos on local disk, referenced by requests as {@code upload:<id>}.
 *
 * <p>Layout of {@code t2v.inputs.uploads.dir}: {@code <id>} is a complete upload; {@code .incoming-<id>} is one being
 * received (renamed atomically to {@code <id>} once complete, so a half-written upload is never visible);
 * {@code .checkout/} holds the callers' links of {@link #checkout}. Ids are 128 random bits from {@link SecureRandom}
 * in lower-case hex: unguessable, and safe as file names.
 *
 * <p>An upload expires {@code ttl} after it was completed: the file's modification time is its creation time (uploads
 * are never rewritten), so expiry survives restarts without a separate index. Expired uploads are refused at once and
 * deleted by {@link #cleanupExpired} (at startup and then periodically); incoming files older than the ttl (aborted
 * uploads) are deleted too.
 *
 * <p>With several pods ({@code t2v.artifacts.store=s3}) every completed upload is also copied to {@link SharedUploads}
 * (the bucket) before it is announced, and an id this pod does not have is fetched from there into this folder on
 * first use, so {@code upload:<id>} resolves on any pod. Its expiry then counts from when it was stored in the bucket;
 * deleting it ({@code DELETE /uploads/<id>}, expiry) removes both copies.
 */
@ApplicationScoped
public class UploadStore {

    private static final Logger LOG = Logger.getLogger(UploadStore.class);
    private static final String PREFIX = "upload:";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
    private static final String INCOMING = ".incoming-";
    private static final String CHECKOUT_DIR = ".checkout";

    private final Path dir;
    private final long maxBytes;
    private final Duration ttl;
    private final Clock clock;
    private final Vertx vertx;
    private final SecureRandom random = new SecureRandom();
    private final long maxTotalBytes;
    private final int maxConcurrent;
    private final java.util.concurrent.atomic.AtomicLong stored = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger receiving = new java.util.concurrent.atomic.AtomicInteger();
    private long cleanupTimer = -1;
    /** The copy every pod can read, or null (local artifact store: a single instance). */
    private final SharedUploads shared;

    /** An upload: its id, file and expiry. */
    public record Upload(String id, Path file, Instant expiresAt) {
        /** The value that references it in a request: {@code upload:<id>}. */
        public String reference() {
            return PREFIX + id;
        }
    }

    @Inject
    public UploadStore(InputsConfig config, Vertx vertx, ai.t2vzero.config.WorkDirectory work,
                       ai.t2vzero.artifact.ArtifactStore artifacts) {
        this(work.uploads(config.uploads().dir()), config.uploads().maxBytes().asLongValue(), config.uploads().ttl(),
                Clock.systemUTC(), vertx, config.uploads().maxTotalBytes().asLongValue(),
                config.uploads().maxConcurrent(), config.uploads().dir().isPresent()
                        ? "t2v.inputs.uploads.dir" : "t2v.work-dir",
                artifacts instanceof ai.t2vzero.artifact.S3ArtifactStore s3 ? new S3SharedUploads(s3) : null);
    }

    UploadStore(Path dir, long maxBytes, Duration ttl, Clock clock, Vertx vertx, long maxTotalBytes,
                int maxConcurrent, String dirKey, SharedUploads shared) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("t2v.inputs.uploads.max-bytes must be > 0 (got " + maxBytes + ")");
        }
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("t2v.inputs.uploads.ttl must be > 0 (got " + ttl + ")");
        }
        if (maxTotalBytes < maxBytes) {
            throw new IllegalArgumentException("t2v.inputs.uploads.max-total-bytes (" + maxTotalBytes
                    + ") must be >= t2v.inputs.uploads.max-bytes (" + maxBytes + ")");
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("t2v.inputs.uploads.max-concurrent must be >= 1 (got " + maxConcurrent + ")");
        }
        this.dir = dir.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        this.ttl = ttl;
        this.clock = clock;
        this.vertx = vertx;
        this.maxTotalBytes = maxTotalBytes;
        this.maxConcurrent = maxConcurrent;
        this.shared = shared;
        ai.t2vzero.config.WorkDirectory.requireWritable(this.dir, dirKey);
        ai.t2vzero.config.WorkDirectory.requireWritable(this.dir.resolve(CHECKOUT_DIR), dirKey);
        sweepLeftovers();
        stored.set(storedBytes());
    }

    /**
     * Startup: an upload that was being received or a checkout that was in use when the process stopped belongs to
     * nobody now (the uploads folder is this process's own).
     */
    private void sweepLeftovers() {
        int swept = ai.t2vzero.config.WorkDirectory.emptyFolder(dir.resolve(CHECKOUT_DIR));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, INCOMING + "*")) {
            for (Path p : entries) {
                Files.deleteIfExists(p);
                swept++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sweep " + dir, e);
        }
        if (swept > 0) {
            LOG.infof("removed %d partial upload(s) and checkout(s) left over from an earlier run", swept);
        }
    }

    private long storedBytes() {
        long sum = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (ID.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    sum += Files.size(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return sum;
    }

    // ---- quota and concurrency (POST /uploads)

    /** Bytes of stored uploads plus bytes received so far by uploads in progress. */
    public long usedBytes() {
        return stored.get();
    }

    public long maxTotalBytes() {
        return maxTotalBytes;
    }

    /** Takes {@code n} more bytes of the quota; false (nothing taken) when that would pass it. */
    public boolean reserve(long n) {
        while (true) {
            long used = stored.get();
            if (used + n > maxTotalBytes) {
                return false;
            }
            if (stored.compareAndSet(used, used + n)) {
                return true;
            }
        }
    }

    /** Gives back {@code n} bytes (a discarded upload, a deleted or expired one). */
    public void release(long n) {
        stored.addAndGet(-n);
    }

    /** A receiving slot, or null when {@code t2v.inputs.uploads.max-concurrent} uploads are in progress. */
    public Runnable tryStartUpload() {
        while (true) {
            int n = receiving.get();
            if (n >= maxConcurrent) {
                return null;
            }
            if (receiving.compareAndSet(n, n + 1)) {
                java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
                return () -> {
                    if (released.compareAndSet(false, true)) {
                        receiving.decrementAndGet();
                    }
                };
            }
        }
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    void onStart(@Observes StartupEvent event) {
        cleanupExpired();
        long periodMs = Math.max(10_000, Math.min(ttl.toMillis() / 2, 600_000));
        cleanupTimer = vertx.setPeriodic(periodMs, id -> vertx.executeBlocking(() -> cleanupExpired(), false));
    }

    @PreDestroy
    void stopCleanup() {
        if (cleanupTimer != -1) {
            vertx.cancelTimer(cleanupTimer);
            cleanupTimer = -1;
        }
    }

    public Path dir() {
        return dir;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A new upload id: 128 bits from {@link SecureRandom}, 32 lower-case hex digits. */
    public String newId() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Where the bytes of upload {@code id} are written while it is received (same directory: the rename is atomic). */
    public Path incomingFile(String id) {
        return dir.resolve(INCOMING + requireId(id));
    }

    /**
     * Publishes a completely received upload: renames {@link #incomingFile} to its final name atomically and stamps
     * its creation time, from which it expires.
     */
    public Upload commit(String id) {
        Path incoming = incomingFile(id);
        Path target = file(id);
        Instant now = clock.instant();
        try {
            Files.setLastModifiedTime(incoming, FileTime.from(now));
            Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish upload " + id, e);
        }
        if (shared != null) {
            try {
                shared.put(id, target); // before the id is announced: every pod can resolve it from then on
            } catch (IOException | RuntimeException e) {
                try {
                    Files.deleteIfExists(target); // its bytes are given back by the caller, as for any failed commit
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw new UncheckedIOException("cannot share upload " + id, e instanceof IOException io
                        ? io : new IOException(e));
            }
        }
        return new Upload(id, target, now.plus(ttl));
    }

    /** Deletes an incoming file (aborted upload); no error when it is gone. */
    public void discardIncoming(String id) {
        try {
            Files.deleteIfExists(incomingFile(id));
        } catch (IOException e) {
            LOG.warnf("cannot delete the aborted upload %s: %s", id, e.getMessage());
        }
    }

    /**
     * The live upload named by a request value {@code upload:<id>}.
     *
     * @throws VideoInputException 400 when {@code reference} is not {@code upload:} and 32 hex digits, 404 when no
     *                             such upload exists (never uploaded, deleted or expired)
     */
    public Upload find(String reference, String field) {
        String id = parseReference(reference, field);
        Path file = file(id);
        Instant created;
        try {
            created = Files.getLastModifiedTime(file).toInstant();
        } catch (NoSuchFileException e) {
            if (shared == null) {
                throw notFound(field, id);
            }
            created = fetchShared(id, field); // another pod took it
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read upload " + id, e);
        }
        Instant expiresAt = created.plus(ttl);
        if (!clock.instant().isBefore(expiresAt)) {
            delete(id);
            throw notFound(field, id);
        }
        return new Upload(id, file, expiresAt);
    }

    /**
     * Copies upload {@code id} from {@link SharedUploads} into this folder (under its final name, stamped with the time
     * it was stored there); returns that time.
     */
    private Instant fetchShared(String id, String field) {
        Path temp = dir.resolve(INCOMING + newId());
        try {
            Instant created = shared.fetch(id, temp).orElseThrow(() -> notFound(field, id));
            long size = Files.size(temp);
            Files.setLastModifiedTime(temp, FileTime.from(created));
            try {
                Files.move(temp, file(id), StandardCopyOption.ATOMIC_MOVE);
                stored.addAndGet(size);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // fetched concurrently by another request: keep that copy
            }
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch upload " + id + " from the shared store", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                LOG.warnf("cannot delete %s: %s", temp.getFileName(), e.getMessage());
            }
        }
    }

    /** The upload's file, as {@link #find} checks it; the file stays the store's (see {@link #checkout}). */
    public Path resolve(String reference, String field) {
        return find(reference, field).file();
    }

    /**
     * A file with the upload's bytes that belongs to the caller, who deletes it when done: a hard link in the
     * store's directory (no copy; deleting it or the upload leaves the other intact, and cleanup never touches it),
     * or a copy where the file system has no hard links.
     */
    public Path checkout(String reference, String field) {
        Upload upload = find(reference, field);
        Path link = dir.resolve(CHECKOUT_DIR).resolve(upload.id() + "-" + newId());
        try {
            linkOrCopy(upload.file(), link);
        } catch (NoSuchFileException e) {
            throw notFound(field, upload.id()); // expired and cleaned up in between
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check out upload " + upload.id(), e);
        }
        return link;
    }

    private static void linkOrCopy(Path source, Path link) throws IOException {
        try {
            Files.createLink(link, source);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(source, link); // no hard links here (other file system, FAT, some overlays)
        }
    }

    /** Deletes an upload; false when there was none with that id (or the id is malformed). */
    public boolean delete(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return false;
        }
        boolean local = deleteCounted(file(id));
        if (shared == null) {
            return local;
        }
        try {
            return shared.delete(id) | local;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete upload " + id + " from the shared store", e);
        }
    }

    /** Deletes an upload file and gives its bytes back to the quota. */
    private boolean deleteCounted(Path file) {
        try {
            long size = Files.size(file);
            if (Files.deleteIfExists(file)) {
                release(size);
                return true;
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete upload " + file.getFileName(), e);
        }
    }

    /** Deletes every expired upload and every incoming file older than the ttl; returns how many files went. */
    public int cleanupExpired() {
        Instant cutoff = clock.instant().minus(ttl);
        int deleted = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean ours = ID.matcher(name).matches()
                        || (name.startsWith(INCOMING) && ID.matcher(name.substring(INCOMING.length())).matches());
                if (!ours || !Files.isRegularFile(p)) {
                    continue;
                }
                try {
                    if (!Files.getLastModifiedTime(p).toInstant().isAfter(cutoff)) {
                        boolean complete = ID.matcher(name).matches();
                        // an aborted incoming file's bytes were given back when it was discarded
                        if (complete ? deleteCounted(p) : Files.deleteIfExists(p)) {
                            deleted++;
                        }
                    }
                } catch (NoSuchFileException e) {
                    // deleted concurrently
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("cleaning up expired uploads failed: %s", e.getMessage());
        }
        if (shared != null) {
            try {
                deleted += shared.deleteCreatedBefore(cutoff);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("cleaning up expired shared uploads failed: %s", e.getMessage());
            }
        }
        if (deleted > 0) {
            LOG.debugf("deleted %d expired upload file(s) in %s", deleted, dir);
        }
        return deleted;
    }

    /** The final file of upload {@code id} (which may not exist). */
    Path file(String id) {
        return dir.resolve(requireId(id));
    }

    private static String parseReference(String reference, String field) {
        String id = reference == null || !reference.startsWith(PREFIX)
                ? "" : reference.substring(PREFIX.length()).toLowerCase(Locale.ROOT);
        if (!ID.matcher(id).matches()) {
            throw new VideoInputException(400, "invalid_video_reference", field, "`" + field
                    + "` must be upload:<id> with the 32 hex digit id that POST /uploads returned");
        }
        return id;
    }

    private static String requireId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an upload id: " + id);
        }
        return id;
    }

    private static VideoInputException notFound(String field, String id) {
        return new VideoInputException(404, "upload_not_found", field, "`" + field + "`: upload " + id
                + " does not exist or has expired");
    }
}
