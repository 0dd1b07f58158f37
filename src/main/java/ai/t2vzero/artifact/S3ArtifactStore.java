package ai.t2vzero.artifact;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import ai.t2vzero.config.T2vConfig;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Artifacts as objects in an S3 bucket (AWS, or an S3-compatible server such as MinIO or Ceph RGW), under the key
 * {@code prefix + id}. Clients download them with presigned GET URLs valid for {@code t2v.s3.presign-expiry}: the
 * bucket stays private and the app never streams videos itself.
 *
 * <p>A put sends content of up to one part ({@code t2v.s3.part-size}) as a single PutObject; larger content goes as
 * a multipart upload of parts of that size, completed only once every part is stored, and aborted on any failure, so
 * that no partial object ever becomes visible (S3 shows an object only when PutObject or CompleteMultipartUpload
 * succeeds). One part is buffered on the heap at a time. Content type is set from the extension; {@code created} is
 * the object's Last-Modified (for a multipart upload: when the upload started), {@code etag} S3's ETag.
 *
 * <p>With an endpoint override (an S3-compatible server) the SDK adds checksums only where S3 requires them: the
 * CRC32 trailers it sends by default since 2.30 are refused by many such servers. Payloads are still signed (SigV4
 * over plain HTTP) or protected by TLS.
 *
 * <p>Credentials come from the AWS SDK's default provider chain: the environment variables
 * {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} (or the {@code aws.accessKeyId} /
 * {@code aws.secretAccessKey} system properties), web identity (EKS IRSA), the profile files, then container and
 * instance roles. SDK failures are reported as {@link IOException}s.
 */
public final class S3ArtifactStore implements ArtifactStore, Closeable {

    private static final Logger LOG = Logger.getLogger(S3ArtifactStore.class);

    /** S3's smallest part (except the last), and its largest. */
    static final long MIN_PART_SIZE = 5L << 20;
    static final long MAX_PART_SIZE = 5L << 30;
    /** S3's largest number of parts in one upload. */
    static final int MAX_PARTS = 10_000;
    /** SigV4 presigned URLs live at most 7 days. */
    static final Duration MAX_PRESIGN_EXPIRY = Duration.ofDays(7);
    /** Time to open a connection to the store, and the longest silence on an open one, before a call fails. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);
    /** The readiness probe's bucket check gives up after this, retries included (probes must answer quickly). */
    static final Duration HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(3);

    /**
     * Where and how objects are stored.
     *
     * @param endpoint      absent: AWS's endpoint for the region
     * @param pathStyle     endpoint/bucket/key instead of bucket.endpoint/key
     * @param presignExpiry lifetime of download URLs
     * @param partSize      content up to this size goes in one PutObject, larger content in parts of this size
     */
    public record Settings(String bucket, String prefix, Optional<URI> endpoint, String region, boolean pathStyle,
            Duration presignExpiry, long partSize, Duration apiCallTimeout) {

        /** Default overall deadline of one S3 call. */
        static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofMinutes(2);

        public Settings(String bucket, String prefix, Optional<URI> endpoint, String region, boolean pathStyle,
                        Duration presignExpiry, long partSize) {
            this(bucket, prefix, endpoint, region, pathStyle, presignExpiry, partSize, DEFAULT_API_CALL_TIMEOUT);
        }

        /**
         * These settings with presigned links that live at least as long as the artifacts ({@code retention}, 0 =
         * forever), within SigV4's 7 days; past that, {@code GET /artifacts/{id}} hands out fresh links.
         */
        public Settings coveringRetention(Duration retention) {
            Duration wanted = retention.isZero() || retention.compareTo(MAX_PRESIGN_EXPIRY) > 0
                    ? MAX_PRESIGN_EXPIRY : retention;
            Duration expiry = presignExpiry.compareTo(wanted) >= 0 ? presignExpiry : wanted;
            return new Settings(bucket, prefix, endpoint, region, pathStyle, expiry, partSize, apiCallTimeout);
        }

        /** From {@code t2v.s3.*}, checked against S3's limits (bucket set, 5 MiB <= part size <= 5 GiB, expiry <= 7 days). */
        public static Settings of(T2vConfig.S3 s3) {
            String bucket = s3.bucket().filter(b -> !b.isBlank()).orElseThrow(
                    () -> new IllegalStateException("t2v.artifacts.store=s3 needs t2v.s3.bucket"));
            long partSize = s3.partSize().asLongValue();
            if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
                throw new IllegalStateException("t2v.s3.part-size must be within [5M, 5G] (S3's part limits), got "
                        + partSize + " bytes");
            }
            Duration expiry = s3.presignExpiry();
            if (expiry.isNegative() || expiry.isZero() || expiry.compareTo(MAX_PRESIGN_EXPIRY) > 0) {
                throw new IllegalStateException("t2v.s3.presign-expiry must be within (0, 7d] (SigV4's limit), got "
                        + expiry);
            }
            Duration apiCallTimeout = s3.apiCallTimeout();
            if (apiCallTimeout.isNegative() || apiCallTimeout.isZero()) {
                throw new IllegalStateException("t2v.s3.api-call-timeout must be > 0, got " + apiCallTimeout);
            }
            return new Settings(bucket, s3.prefix().orElse(""), s3.endpoint(), s3.region(), s3.pathStyle(), expiry,
                    partSize, apiCallTimeout);
        }

        public Settings {
            if (partSize < 1 || partSize > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("part size out of range: " + partSize);
            }
        }
    }

    private final Settings settings;
    private final S3Client s3;
    private final S3Presigner presigner;

    /** A store using the default AWS credentials provider chain. */
    public static S3ArtifactStore create(Settings settings) {
        return create(settings, DefaultCredentialsProvider.builder().build());
    }

    public static S3ArtifactStore create(Settings settings, AwsCredentialsProvider credentials) {
        Region region = Region.of(settings.region());
        var client = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // every call, retries included, ends within the deadline: a hanging endpoint cannot hold a job slot
                .overrideConfiguration(c -> c.apiCallTimeout(settings.apiCallTimeout())
                        .apiCallAttemptTimeout(settings.apiCallTimeout()))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT));
        var presigner = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
        settings.endpoint().ifPresent(e -> {
            client.endpointOverride(e)
                    // checksums only where S3 requires them: since SDK 2.30 the default adds CRC32 trailers in
                    // aws-chunked bodies (x-amz-trailer), which many S3-compatible servers refuse (501)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            presigner.endpointOverride(e);
        });
        return new S3ArtifactStore(settings, client.build(), presigner.build());
    }

    S3ArtifactStore(Settings settings, S3Client s3, S3Presigner presigner) {
        this.settings = settings;
        this.s3 = s3;
        this.presigner = presigner;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public Artifact put(InputStream content, String contentType, String extension) throws IOException {
        String id = ArtifactIds.newId(extension, contentType);
        String key = key(id);
        String type = ArtifactIds.contentType(id);
        putKey(key, type, content);
        return find(id).orElseThrow(() -> new NoSuchFileException(key, null, "object vanished right after it was stored"));
    }

    /** One PutObject for content up to a part, a multipart upload beyond; nothing is visible until it all is. */
    private void putKey(String key, String type, InputStream content) throws IOException {
        byte[] part = new byte[(int) settings.partSize()];
        int n = content.readNBytes(part, 0, part.length);
        try {
            if (n < part.length) {
                s3.putObject(b -> b.bucket(settings.bucket()).key(key).contentType(type).contentLength((long) n),
                        body(part, n));
            } else {
                putMultipart(key, type, part, n, content);
            }
        } catch (SdkException e) {
            throw failure("storing " + key, e);
        }
    }

    // ---- other objects of the service beside the artifacts (input uploads: "uploads/<id>"), under the same prefix.
    // Their names hold a '/', so they are never taken for artifacts (list, cleanup).

    /** A stored object that is not an artifact: its name below the prefix and when it was stored. */
    public record StoredObject(String name, long size, Instant created) {}

    /** Stores {@code file} as object {@code prefix + name} (atomically visible, like an artifact). */
    public void putObject(String name, java.nio.file.Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            putKey(objectKey(name), "application/octet-stream", in);
        }
    }

    /**
     * Downloads object {@code prefix + name} to {@code target} (which must not exist); empty when there is no such
     * object.
     */
    public Optional<StoredObject> getObject(String name, java.nio.file.Path target) throws IOException {
        String key = objectKey(name);
        try {
            var r = s3.getObject(b -> b.bucket(settings.bucket()).key(key),
                    software.amazon.awssdk.core.sync.ResponseTransformer.toFile(target));
            return Optional.of(new StoredObject(name, r.contentLength(), r.lastModified()));
        } catch (S3Exception e) {
            java.nio.file.Files.deleteIfExists(target);
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("reading " + key, e);
        } catch (SdkException e) {
            java.nio.file.Files.deleteIfExists(target);
            throw failure("reading " + key, e);
        }
    }

    /** Deletes object {@code prefix + name}; false when there was none. */
    public boolean deleteObject(String name) throws IOException {
        String key = objectKey(name);
        try {
            s3.headObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("looking up " + key, e);
        } catch (SdkException e) {
            throw failure("looking up " + key, e);
        }
        deleteKey(key);
        return true;
    }

    /** The objects whose names start with {@code folder} (e.g. "uploads/"). */
    public List<StoredObject> listObjects(String folder) throws IOException {
        List<StoredObject> out = new ArrayList<>();
        String prefix = objectKey(folder);
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents()) {
                out.add(new StoredObject(o.key().substring(settings.prefix().length()), o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("listing s3://" + settings.bucket() + "/" + prefix, e);
        }
        return out;
    }

    /** The key of a non-artifact object: {@code name} must contain a '/' (never an artifact id) and no "..". */
    private String objectKey(String name) {
        if (name.indexOf('/') <= 0 || name.contains("..")) {
            throw new IllegalArgumentException("not an object name: " + name);
        }
        return settings.prefix() + name;
    }

    /** Uploads {@code first} (a full part) and the rest of {@code content} as parts; aborts the upload on any failure. */
    private void putMultipart(String key, String type, byte[] buffer, int first, InputStream content) throws IOException {
        String bucket = settings.bucket();
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(type)).uploadId();
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (int n = first; n > 0; n = content.readNBytes(buffer, 0, buffer.length)) {
                int number = parts.size() + 1;
                if (number > MAX_PARTS) {
                    throw new IOException("content exceeds " + MAX_PARTS + " parts of " + buffer.length
                            + " bytes: raise t2v.s3.part-size");
                }
                int length = n;
                UploadPartResponse r = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .partNumber(number).contentLength((long) length), body(buffer, length));
                parts.add(CompletedPart.builder().partNumber(number).eTag(r.eTag()).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
            completed = true;
        } finally {
            if (!completed) {
                abort(key, uploadId);
            }
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // the upload stays invisible; deleteCreatedBefore aborts it once it is older than the retention
            LOG.warnf("cannot abort multipart upload %s of %s: %s", uploadId, key, e.getMessage());
        }
    }

    /** A body the SDK can re-read for retries, without copying the buffer. */
    private static RequestBody body(byte[] buffer, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                "application/octet-stream");
    }

    @Override
    public Optional<Artifact> find(String id) throws IOException {
        if (!ArtifactIds.isId(id)) {
            return Optional.empty();
        }
        String key = key(id);
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(settings.bucket()).key(key));
            String type = h.contentType() != null ? h.contentType() : ArtifactIds.contentType(id);
            return Optional.of(new Artifact(id, type, h.contentLength(), h.lastModified(), h.eTag(), key));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("looking up " + key, e);
        } catch (SdkException e) {
            throw failure("looking up " + key, e);
        }
    }

    @Override
    public InputStream open(String id) throws IOException {
        if (!ArtifactIds.isId(id)) {
            throw new NoSuchFileException(id, null, "not an artifact id");
        }
        String key = key(id);
        try {
            return s3.getObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(key, null, "no such object in bucket " + settings.bucket());
            }
            throw failure("reading " + key, e);
        } catch (SdkException e) {
            throw failure("reading " + key, e);
        }
    }

    /** S3's DeleteObject succeeds for absent keys too: a HEAD first tells whether there was one. */
    @Override
    public boolean delete(String id) throws IOException {
        if (find(id).isEmpty()) {
            return false;
        }
        deleteKey(key(id));
        return true;
    }

    @Override
    public List<Artifact> list() throws IOException {
        List<Artifact> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(settings.prefix()))
                    .contents()) {
                String id = idOf(o.key());
                if (id != null) {
                    out.add(new Artifact(id, ArtifactIds.contentType(id), o.size(), o.lastModified(), o.eTag(), o.key()));
                }
            }
        } catch (SdkException e) {
            throw failure("listing s3://" + settings.bucket() + "/" + settings.prefix(), e);
        }
        return out;
    }

    /** Deletes artifacts last modified before the cutoff, and aborts multipart uploads started before it. */
    @Override
    public int deleteCreatedBefore(Instant cutoff) throws IOException {
        int deleted = 0;
        for (Artifact a : list()) {
            if (a.created().isBefore(cutoff)) {
                deleteKey(a.key());
                deleted++;
            }
        }
        try {
            for (var u : s3.listMultipartUploadsPaginator(b -> b.bucket(settings.bucket()).prefix(settings.prefix()))
                    .uploads()) {
                if (idOf(u.key()) != null && u.initiated().isBefore(cutoff)) {
                    abort(u.key(), u.uploadId());
                    LOG.infof("aborted abandoned multipart upload of %s", u.key());
                }
            }
        } catch (SdkException e) {
            throw failure("listing multipart uploads of s3://" + settings.bucket() + "/" + settings.prefix(), e);
        }
        return deleted;
    }

    /** A presigned GET of the object, valid for {@code t2v.s3.presign-expiry}; {@code publicBaseUrl} is not used. */
    @Override
    public String url(Artifact artifact, String publicBaseUrl) {
        return presigner.presignGetObject(p -> p.signatureDuration(settings.presignExpiry())
                .getObjectRequest(g -> g.bucket(settings.bucket()).key(artifact.key()))).url().toString();
    }

    /** A fresh presigned GET: {@code GET /artifacts/{id}} redirects there, so a link never outlives its signature. */
    @Override
    public Optional<String> downloadRedirect(Artifact artifact) {
        return Optional.of(url(artifact, null));
    }

    /**
     * HeadBucket: the bucket exists and these credentials may use it; gives up after {@link #HEALTH_CHECK_TIMEOUT}
     * (retries included).
     */
    @Override
    public void checkWritable() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(settings.bucket())
                    .overrideConfiguration(c -> c.apiCallTimeout(HEALTH_CHECK_TIMEOUT)));
        } catch (SdkException e) {
            throw failure("reaching bucket " + settings.bucket(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }

    private void deleteKey(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (SdkException e) {
            throw failure("deleting " + key, e);
        }
    }

    private String key(String id) {
        return settings.prefix() + id;
    }

    /** The id of an object key under the prefix; null for keys that are not artifacts. */
    private String idOf(String key) {
        if (!key.startsWith(settings.prefix())) {
            return null;
        }
        String id = key.substring(settings.prefix().length());
        return ArtifactIds.isId(id) ? id : null;
    }

    private IOException failure(String what, SdkException e) {
        return new IOException("S3 " + what + " in bucket " + settings.bucket() + " failed: " + e.getMessage(), e);
    }
}
