package ai.t2vzero.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * Jobs: deadlines, admission, retention, webhooks; the keys are documented in application.properties. Read by the
 * job runner (job/) and by the function edge (function/), which bounds each call's deadline by {@link #timeout}.
 */
@ConfigMapping(prefix = "t2v.jobs")
public interface JobsConfig {

    /** Longest a job may take from its creation (queue time included); a request's timeoutSeconds may only lower it. */
    @WithDefault("30M")
    Duration timeout();

    /** Asynchronous jobs waiting for a job slot; one more is refused with 503 + Retry-After. */
    @WithDefault("16")
    int maxQueued();

    /** How long a finished job's document (and a CloudEvent's (source, id)) is kept before it is forgotten (404). */
    @WithDefault("24H")
    Duration retention();

    /** Time between two SSE keep-alive comments while nothing else is sent. */
    @WithDefault("10S")
    Duration keepAlive();

    Webhooks webhooks();

    interface Webhooks {

        /** HMAC-SHA256 key of webhook signatures: whsec_<base64> (Standard Webhooks) or any other text (UTF-8 bytes). */
        Optional<String> secret();

        /** Delivery attempts of one webhook (and of one CloudEvent to the sink). */
        @WithDefault("3")
        int attempts();

        /** Wait before the second attempt; doubled before each further one. */
        @WithDefault("2S")
        Duration backoff();

        /** Time limit of one attempt (connect, send, answer). */
        @WithDefault("10S")
        Duration timeout();
    }
}
