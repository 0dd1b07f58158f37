package ai.t2vzero.artifact;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Runs an {@link S3TestServer} for a {@code @QuarkusTest} profile and points the app at it: {@code t2v.artifacts.store=s3},
 * bucket {@value #BUCKET}, prefix {@value #PREFIX}, path-style, endpoint on 127.0.0.1. The credentials reach the
 * AWS SDK's default provider chain as the {@code aws.accessKeyId} / {@code aws.secretAccessKey} system properties
 * (as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY would in a pod).
 */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "t2v-artifacts";
    public static final String PREFIX = "videos/";

    private static volatile S3TestServer server;

    /** The running server, for tests that stop and restart it. */
    public static S3TestServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        try {
            server = S3TestServer.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start S3Proxy", e);
        }
        server.createBucket(BUCKET);
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        return Map.of(
                "t2v.artifacts.store", "s3",
                "t2v.s3.bucket", BUCKET,
                "t2v.s3.prefix", PREFIX,
                "t2v.s3.endpoint", server.endpoint().toString(),
                "t2v.s3.path-style", "true",
                "t2v.s3.presign-expiry", "10m");
    }

    @Override
    public void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        try {
            if (server != null) {
                server.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            server = null;
        }
    }
}
