package ai.t2vzero.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where generated videos go. Artifacts are immutable: written once, atomically, under a fresh unguessable id,
 * then read until they are deleted or expire. Implementations are thread-safe.
 */
public interface ArtifactStore {

    /**
     * Stores {@code content} under a new id ending in {@code "." + extension}. Nothing is visible under the id
     * until the whole content is written.
     *
     * @param contentType media type; must agree with the extension (null: the extension's)
     * @param extension   file extension without dot, e.g. "mp4"; determines the content type
     * @throws IllegalArgumentException for an extension without a known media type, or a contradicting type
     */
    Artifact put(InputStream content, String contentType, String extension) throws IOException;

    /** {@link #put(InputStream, String, String)} with the content of a file; the file itself is left alone. */
    default Artifact put(Path file, String contentType, String extension) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return put(in, contentType, extension);
        }
    }

    /** The artifact with this id; empty when there is none or the id is not a well-formed artifact id. */
    Optional<Artifact> find(String id) throws IOException;

    /** Its bytes. */
    InputStream open(String id) throws IOException;

    /** Deletes it; false if there was none. */
    boolean delete(String id) throws IOException;

    /** Every artifact, in no particular order. */
    List<Artifact> list() throws IOException;

    /** Deletes the artifacts created before {@code cutoff} (and abandoned partial writes); returns how many. */
    int deleteCreatedBefore(Instant cutoff) throws IOException;

    /**
     * Where clients download it.
     *
     * @param publicBaseUrl scheme://host[:port][/prefix] of this service, no trailing slash (see {@link ArtifactUrls})
     */
    String url(Artifact artifact, String publicBaseUrl);

    /**
     * Throws when a put could not succeed now: for readiness. The local store checks that its directory exists and
     * is writable; the S3 store that the bucket answers with these credentials. Cheap, but it may make a network
     * call: health checks cache the answer.
     */
    void checkWritable() throws IOException;

    /** Where {@code GET /artifacts/{id}} redirects for an artifact that does not live here (a fresh presigned URL). */
    default Optional<String> downloadRedirect(Artifact artifact) {
        return Optional.empty();
    }

    /** The file behind the artifact when it lives on this machine (served by {@link ArtifactRoutes}); else empty. */
    default Optional<Path> localFile(Artifact artifact) {
        return Optional.empty();
    }
}
