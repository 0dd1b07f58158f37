package ai.t2vzero.job;

import ai.t2vzero.config.JobsConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.input.AddressCategory;
import ai.t2vzero.input.AddressPolicy;
import ai.t2vzero.input.FetchPolicy;
import ai.t2vzero.input.InputsConfig;
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
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Tells a job's webhook that the job ended: one POST of the job document, signed as Standard Webhooks says
 * ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}; {@link WebhookSignature}), up to
 * t2v.jobs.webhooks.attempts times with doubling pauses. The URL obeys the same address policy as input-video URLs
 * (http(s), public addresses only unless its host is in t2v.inputs.allow-hosts), checked when the job is submitted
 * and again before every attempt; redirects are not followed. The outcome is in the job document; a failed delivery
 * is logged and never changes the job.
 */
@ApplicationScoped
public class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);
    static final String FIELD = "webhook";

    @Inject
    Vertx vertx;

    @Inject
    InputsConfig inputs;

    @Inject
    JobsConfig config;

    @Inject
    ObjectMapper mapper;

    private OutboundPost http;
    private FetchPolicy policy;

    @PostConstruct
    void init() {
        http = new OutboundPost(vertx, config.webhooks().timeout(), "t2v-webhooks");
        policy = FetchPolicy.from(inputs);
    }

    void close(@Observes ShutdownEvent event) {
        http.close();
    }

    /**
     * Refuses (400 on field "webhook") a URL that could not be delivered to: webhooks not configured, not http(s),
     * no host, unresolvable, or resolving to a non-public address that is not allowlisted. Null passes.
     */
    public void check(String url) {
        if (url != null) {
            if (config.webhooks().secret().isEmpty()) {
                throw new InvalidFieldException(FIELD, "webhooks are not enabled on this service"
                        + " (t2v.jobs.webhooks.secret is not set)");
            }
            target(url);
        }
    }

    /** Delivers the ended {@code job}'s document to its webhook (blocking, retries included). */
    void deliver(Job job, JobDocument document) {
        String url = job.webhookUrl();
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(document);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the document of job " + job.id(), e);
        }
        WebhookSignature signature = new WebhookSignature(config.webhooks().secret().orElseThrow());
        String messageId = "msg_" + job.id();
        int attempts = Math.max(1, config.webhooks().attempts());
        long pauseMs = config.webhooks().backoff().toMillis();
        for (int attempt = 1; ; attempt++) {
            String error;
            try {
                long timestamp = System.currentTimeMillis() / 1000;
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Content-Type", "application/json");
                headers.put("User-Agent", "t2vzero-webhooks");
                headers.put("webhook-id", messageId);
                headers.put("webhook-timestamp", Long.toString(timestamp));
                headers.put("webhook-signature", signature.sign(messageId, timestamp, body));
                int status = http.post(target(url), headers, body);
                if (status >= 200 && status < 300) {
                    job.webhook(new Delivery(url, "delivered", attempt, null));
                    LOG.infof("job %s: webhook delivered (attempt %d)", job.id(), attempt);
                    return;
                }
                error = "HTTP " + status;
            } catch (InvalidFieldException e) {
                error = e.getMessage();
            } catch (Exception e) {
                error = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            boolean last = attempt >= attempts;
            job.webhook(new Delivery(url, last ? "failed" : "pending", attempt, error));
            if (last) {
                LOG.warnf("job %s: webhook %s not delivered after %d attempts: %s", job.id(), url, attempt, error);
                return;
            }
            LOG.infof("job %s: webhook attempt %d failed (%s), retrying in %d ms", job.id(), attempt, error, pauseMs);
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pauseMs *= 2;
        }
    }

    /** Parses and checks {@code url}: where to connect. */
    private OutboundPost.Target target(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidFieldException(FIELD, "webhook is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidFieldException(FIELD, "webhook must be an http(s) URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidFieldException(FIELD, "webhook must not contain user info (user:password@)");
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw new InvalidFieldException(FIELD, "webhook has no valid host");
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            throw new InvalidFieldException(FIELD, "webhook host '" + bare + "' could not be resolved");
        }
        for (InetAddress a : addresses) {
            AddressCategory category = AddressPolicy.classify(a);
            // the input URLs' rule: the allowlist lifts private/CGNAT (or its CIDRs); loopback, link-local and
            // unspecified only with t2v.inputs.allow-unsafe-addresses
            if (!policy.allowlist().permits(bare, a, category)) {
                throw new InvalidFieldException(FIELD, "webhook host '" + bare + "' resolves to a "
                        + category.label() + " address; only public addresses may be called");
            }
        }
        boolean https = scheme.equals("https");
        int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String requestUri = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return new OutboundPost.Target(bare, port, https, requestUri, addresses[0]);
    }
}
