package ai.t2vzero.input;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A copy of every upload that all instances of the service can read, so that {@code upload:<id>} resolves on any pod
 * and not only on the one that received the bytes (the S3 bucket of the artifacts: {@link S3SharedUploads}). The
 * {@link UploadStore} stays the only writer: an upload is received, limited and sniffed on one pod's disk, then
 * copied here before it is announced; another pod fetches it into its own uploads folder on first use.
 */
public interface SharedUploads {

    /** Stores the completed upload {@code id} from {@code file}; it is visible to readers only once complete. */
    void put(String id, Path file) throws IOException;

    /**
     * Downloads upload {@code id} to {@code target} (which must not exist).
     *
     * @return when it was stored (its expiry counts from there), or empty when there is no such upload
     */
    Optional<Instant> fetch(String id, Path target) throws IOException;

    /** Deletes upload {@code id}; false when there was none. */
    boolean delete(String id) throws IOException;

    /** Deletes the uploads stored before {@code cutoff}; returns how many. */
    int deleteCreatedBefore(Instant cutoff) throws IOException;
}
