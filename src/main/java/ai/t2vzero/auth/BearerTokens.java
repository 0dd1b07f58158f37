package ai.t2vzero.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The accepted bearer tokens, kept only as SHA-256 digests. A presented token is hashed and compared with every digest
 * by {@link MessageDigest#isEqual} (constant time for equal lengths, and digests all have 32 bytes), without stopping
 * at the first match, so neither the comparison nor the number of tokens tried leaks through timing. Tokens are never
 * logged or put into messages.
 */
public final class BearerTokens {

    private static final String SCHEME = "bearer ";
    private final List<byte[]> digests;

    private BearerTokens(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /** Tokens from {@code t2v.auth.tokens} and {@code t2v.auth.tokens-file}; blank entries are ignored. */
    public static BearerTokens from(AuthConfig config) {
        List<String> tokens = new ArrayList<>(config.tokens().orElse(List.of()));
        config.tokensFile().ifPresent(file -> tokens.addAll(readFile(file)));
        return of(tokens);
    }

    public static BearerTokens of(List<String> tokens) {
        List<byte[]> digests = new ArrayList<>();
        for (String t : tokens) {
            if (t != null && !t.isBlank()) {
                digests.add(sha256(t.strip()));
            }
        }
        return new BearerTokens(digests);
    }

    private static List<String> readFile(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            // the path is configuration, not a secret; the content is never echoed
            throw new UncheckedIOException("t2v.auth.tokens-file: cannot read " + file, e);
        }
    }

    /** True when at least one token is configured (authentication is on). */
    public boolean enabled() {
        return !digests.isEmpty();
    }

    public int count() {
        return digests.size();
    }

    /** Whether an {@code Authorization} header value carries an accepted token ({@code Bearer <token>}). */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() <= SCHEME.length()
                || !authorization.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)) {
            return false;
        }
        byte[] presented = sha256(authorization.substring(SCHEME.length()).strip());
        boolean match = false;
        for (byte[] d : digests) {
            match |= MessageDigest.isEqual(d, presented);
        }
        return match;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JCA algorithm", e);
        }
    }
}
