package ai.t2vzero.input;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Limits for input videos (URL downloads and uploads); the keys are documented in application.properties. */
@ConfigMapping(prefix = "t2v.inputs")
public interface InputsConfig {

    /** Hosts (exact names or IP literals, case-insensitive) that may resolve to private or CGNAT addresses. */
    Optional<List<String>> allowHosts();

    /** Address ranges (CIDR) that may be reached whatever their category, except loopback/link-local/unspecified. */
    Optional<List<String>> allowCidrs();

    /** Categories (loopback, link-local, unspecified) that allowlisted hosts and ranges may reach too. */
    Optional<List<String>> allowUnsafeAddresses();

    /** Largest URL download. */
    @WithDefault("200M")
    MemorySize maxBytes();

    /** Time to establish a TCP (and TLS) connection. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** Longest silence from the server (no response headers or no body bytes). */
    @WithDefault("10s")
    Duration readTimeout();

    /** Whole download, every redirect hop included. */
    @WithDefault("60s")
    Duration totalTimeout();

    /** Redirects followed, each one checked like the first URL. */
    @WithDefault("5")
    int maxRedirects();

    /** Largest frame of an input video, width x height (422 beyond). */
    @WithDefault("16777216")
    long maxPixels();

    /** Highest frame rate of an input video (422 beyond). */
    @WithDefault("240")
    double maxFps();

    /** Longest input video (422 beyond). */
    @WithDefault("10m")
    Duration maxDuration();

    /** Longest decode of an input video's frames, inside the job slot (422 video_decode_timeout beyond). */
    @WithDefault("2m")
    Duration decodeTimeout();

    Uploads uploads();

    interface Uploads {

        /** Directory of uploaded videos (created when missing); absent: {@code <t2v.work-dir>/uploads}. */
        Optional<String> dir();

        /** Largest upload. */
        @WithDefault("200M")
        MemorySize maxBytes();

        /** All stored uploads together, those being received included (507 beyond). */
        @WithDefault("2G")
        MemorySize maxTotalBytes();

        /** Uploads being received at once (429 + Retry-After beyond). */
        @WithDefault("4")
        int maxConcurrent();

        /** How long an upload can be referenced before it is deleted. */
        @WithDefault("1h")
        Duration ttl();
    }
}
