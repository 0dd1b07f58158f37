package ai.t2vzero.job;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One blocking JSON POST (a webhook, a CloudEvent to the sink) to a given address, without following redirects;
 * answers the HTTP status. Connecting to an address checked beforehand (rather than the URL's host name again) keeps
 * a DNS answer that changes between check and connect from redirecting the request. Call it off the event loop.
 */
final class OutboundPost implements AutoCloseable {

    /** Where to send: the URL's parts and the address to connect to. */
    record Target(String host, int port, boolean https, String requestUri, InetAddress address) {
    }

    private final HttpClient client;
    private final Duration timeout;

    OutboundPost(Vertx vertx, Duration timeout, String name) {
        this.timeout = timeout;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(false)
                .setVerifyHost(true)
                .setForceSni(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setName(name));
    }

    /** POSTs {@code body} with {@code headers}; the status code, or an exception (connect, timeout...). */
    int post(Target target, Map<String, String> headers, byte[] body) throws Exception {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(target.address(), target.port())))
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.https())
                .setURI(target.requestUri())
                .setFollowRedirects(false)
                .setTimeout(timeout.toMillis());
        headers.forEach(options::putHeader);
        try {
            return client.request(options)
                    .compose(request -> request.send(Buffer.buffer(body)))
                    .compose(response -> response.body().map(ignored -> response.statusCode()))
                    .toCompletionStage().toCompletableFuture()
                    .get(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("no answer within " + timeout.toMillis() + " ms");
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
