package ai.t2vzero.artifact;

import java.net.URI;
import java.util.Properties;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;

/**
 * A real S3 server for tests: S3Proxy (the S3 REST API, SigV2/SigV4 auth, presigned URLs, multipart uploads) over
 * jclouds' in-memory "transient" blob store, listening on 127.0.0.1 at a free port. {@link #stop()} closes the port
 * but keeps the blobs; {@link #restart()} serves them again on the same port.
 */
public final class S3TestServer implements AutoCloseable {

    public static final String ACCESS_KEY = "t2v-test-access-key";
    public static final String SECRET_KEY = "t2v-test-secret-key";

    private final BlobStoreContext context;
    private S3Proxy proxy;
    private int port;

    private S3TestServer() {
        // by metadata, not by the id "transient": a lookup by id instantiates every provider on the class path,
        // S3Proxy's Azure one included, whose dependencies are left out (see pom.xml)
        context = ContextBuilder.newBuilder(new TransientApiMetadata())
                .credentials("unused", "unused")
                .overrides(new Properties())
                .build(BlobStoreContext.class);
    }

    /** Starts a server on a free loopback port. */
    public static S3TestServer start() throws Exception {
        S3TestServer s = new S3TestServer();
        s.listen(0);
        return s;
    }

    private void listen(int requestedPort) throws Exception {
        proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + requestedPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        port = proxy.getPort();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public BlobStore blobStore() {
        return context.getBlobStore();
    }

    public void createBucket(String name) {
        context.getBlobStore().createContainerInLocation(null, name);
    }

    /** Closes the port; the stored blobs stay. */
    public void stop() throws Exception {
        proxy.stop();
    }

    /** Serves the same blobs again on the same port. */
    public void restart() throws Exception {
        listen(port);
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
