package ai.t2vzero.job;

import ai.t2vzero.config.JobsConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Sink mode (t2v.events.sink, by default Knative's K_SINK): the outcome of a job started by a CloudEvent is POSTed
 * to the sink as a binary-mode CloudEvent: type {@code <function>.output} with today's answer as data, or
 * {@code <function>.failed} with the error; source = the function, subject = the job id, extensions
 * {@code t2vjobid} (the job id) and {@code t2vcause} (the id of the event that started it). Up to
 * t2v.jobs.webhooks.attempts attempts with doubling pauses; the sink is the operator's (no address policy).
 */
@ApplicationScoped
public class CloudEventSink {

    private static final Logger LOG = Logger.getLogger(CloudEventSink.class);

    @Inject
    EventsConfig events;

    @Inject
    JobsConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    private OutboundPost http;

    @PostConstruct
    void init() {
        http = new OutboundPost(vertx, config.webhooks().timeout(), "t2v-event-sink");
    }

    void close(@Observes ShutdownEvent event) {
        http.close();
    }

    /** The sink URL, when sink mode is on. */
    public Optional<String> sink() {
        return events.sink().map(String::strip).filter(s -> !s.isEmpty());
    }

    /** Sends the outcome of the ended {@code job} (blocking, retries included). */
    void send(Job job, JobDocument document) {
        String url = sink().orElseThrow();
        boolean ok = document.status() == JobStatus.SUCCEEDED;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("ce-specversion", "1.0");
        headers.put("ce-id", UUID.randomUUID().toString());
        headers.put("ce-source", job.function());
        headers.put("ce-type", job.function() + (ok ? ".output" : ".failed"));
        headers.put("ce-subject", job.id());
        headers.put("ce-time", Instant.now().toString());
        headers.put("ce-t2vjobid", job.id());
        headers.put("ce-t2vcause", job.origin().id());
        long pauseMs = config.webhooks().backoff().toMillis();
        int attempts = Math.max(1, config.webhooks().attempts());
        for (int attempt = 1; ; attempt++) {
            String error;
            try {
                byte[] body = mapper.writeValueAsBytes(ok ? document.result() : document.error());
                int status = http.post(target(url), headers, body);
                if (status >= 200 && status < 300) {
                    LOG.infof("job %s: %s sent to the sink", job.id(), headers.get("ce-type"));
                    return;
                }
                error = "HTTP " + status;
            } catch (Exception e) {
                error = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            if (attempt >= attempts) {
                LOG.errorf("job %s: outcome event %s not delivered to the sink %s after %d attempts: %s", job.id(),
                        headers.get("ce-type"), url, attempt, error);
                return;
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pauseMs *= 2;
        }
    }

    private static OutboundPost.Target target(String url) throws Exception {
        URI uri = new URI(url);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String requestUri = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return new OutboundPost.Target(bare, port, https, requestUri, InetAddress.getByName(bare));
    }
}
