package ai.t2vzero.auth;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Bearer-token authentication ({@code t2v.auth.*}, documented in application.properties). Off when neither key gives
 * a token; on as soon as one does.
 */
@ConfigMapping(prefix = "t2v.auth")
public interface AuthConfig {

    /** Accepted tokens, comma-separated (e.g. from a Kubernetes Secret through an environment variable). */
    Optional<List<String>> tokens();

    /** A file with one accepted token per line (blank lines and lines starting with # ignored), e.g. a mounted Secret. */
    Optional<Path> tokensFile();
}
