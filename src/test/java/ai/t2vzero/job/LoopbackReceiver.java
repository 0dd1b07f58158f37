package ai.t2vzero.job;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A real HTTP server on 127.0.0.1 that records every POST it gets (webhooks, CloudEvents sent to the sink) and
 * answers each path with scripted statuses (then 204).
 */
final class LoopbackReceiver implements AutoCloseable {

    /** One received request: path, headers (lower-case names) and body. */
    record Received(String path, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final HttpServer server;
    private final List<Received> received = new ArrayList<>();
    private final Map<String, Deque<Integer>> scripted = new ConcurrentHashMap<>();

    LoopbackReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            String path = exchange.getRequestURI().getPath();
            synchronized (received) {
                received.add(new Received(path, headers, body));
                received.notifyAll();
            }
            Deque<Integer> statuses = scripted.get(path);
            Integer status = statuses == null ? null : statuses.poll();
            exchange.sendResponseHeaders(status == null ? 204 : status, -1);
            exchange.close();
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next requests to {@code path} get these statuses, in order; later ones 204. */
    void script(String path, Integer... statuses) {
        scripted.put(path, new ConcurrentLinkedDeque<>(List.of(statuses)));
    }

    /** Everything received on {@code path} so far. */
    List<Received> on(String path) {
        synchronized (received) {
            return received.stream().filter(r -> r.path().equals(path)).toList();
        }
    }

    /** Waits until {@code path} got at least {@code count} requests (or fails after {@code millis}). */
    List<Received> await(String path, int count, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        synchronized (received) {
            while (on(path).size() < count) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " requests on " + path + ", got " + on(path));
                }
                received.wait(left);
            }
            return on(path);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
