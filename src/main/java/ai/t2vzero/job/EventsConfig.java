package ai.t2vzero.job;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** CloudEvents: where job outcomes go; the keys are documented in application.properties. */
@ConfigMapping(prefix = "t2v.events")
public interface EventsConfig {

    /**
     * URL that job outcomes are POSTed to as CloudEvents. When set, an incoming CloudEvent is answered 202 at once
     * and runs as a job (sink mode); unset, it is answered with the reply event when the video is done. Defaults to
     * the K_SINK environment variable, which Knative sets through a SinkBinding or a Service's sink.
     */
    @WithDefault("${K_SINK:}")
    Optional<String> sink();
}
