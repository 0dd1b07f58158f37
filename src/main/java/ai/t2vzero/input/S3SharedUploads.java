package ai.t2vzero.input;

import ai.t2vzero.artifact.S3ArtifactStore;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Uploads shared through the artifacts' S3 bucket, as objects {@code <t2v.s3.prefix>uploads/<id>} (same bucket,
 * credentials and call deadline as the videos; the {@code /} keeps them apart from artifact ids). The bytes go
 * through the service, not through a presigned PUT: {@code POST /uploads} keeps its authentication, size limit,
 * quota and container sniffing, and clients never need to reach the bucket.
 */
public final class S3SharedUploads implements SharedUploads {

    static final String FOLDER = "uploads/";

    private final S3ArtifactStore store;

    public S3SharedUploads(S3ArtifactStore store) {
        this.store = store;
    }

    @Override
    public void put(String id, Path file) throws IOException {
        store.putObject(FOLDER + id, file);
    }

    @Override
    public Optional<Instant> fetch(String id, Path target) throws IOException {
        return store.getObject(FOLDER + id, target).map(S3ArtifactStore.StoredObject::created);
    }

    @Override
    public boolean delete(String id) throws IOException {
        return store.deleteObject(FOLDER + id);
    }

    @Override
    public int deleteCreatedBefore(Instant cutoff) throws IOException {
        int deleted = 0;
        for (S3ArtifactStore.StoredObject o : store.listObjects(FOLDER)) {
            if (o.created().isBefore(cutoff) && store.deleteObject(o.name())) {
                deleted++;
            }
        }
        return deleted;
    }
}
