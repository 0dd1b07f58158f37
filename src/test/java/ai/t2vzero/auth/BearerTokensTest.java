package ai.t2vzero.auth;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BearerTokensTest {

    @Test
    void acceptsOnlyConfiguredTokensAsBearerCredentials() {
        BearerTokens tokens = BearerTokens.of(List.of(" alpha ", "", "beta"));
        assertTrue(tokens.enabled());
        assertTrue(tokens.accepts("Bearer alpha"));
        assertTrue(tokens.accepts("bearer beta"));
        assertFalse(tokens.accepts("Bearer alph"));
        assertFalse(tokens.accepts("Bearer alphaa"));
        assertFalse(tokens.accepts("Basic alpha"));
        assertFalse(tokens.accepts("alpha"));
        assertFalse(tokens.accepts("Bearer "));
        assertFalse(tokens.accepts(null));
    }

    @Test
    void noTokenMeansOff() {
        assertFalse(BearerTokens.of(List.of(" ", "")).enabled());
        assertFalse(BearerTokens.of(List.of()).accepts("Bearer "));
    }

    @Test
    void publicRoutesAreHealthArtifactsAndThePagesOwnFiles() {
        var get = io.vertx.core.http.HttpMethod.GET;
        var post = io.vertx.core.http.HttpMethod.POST;
        assertTrue(AuthFilter.isPublic(get, "/q/health/ready", false));
        assertTrue(AuthFilter.isPublic(get, "/q/health", false));
        assertTrue(AuthFilter.isPublic(get, "/artifacts/abc.mp4", false));
        assertTrue(AuthFilter.isPublic(get, "/", false));
        assertTrue(AuthFilter.isPublic(get, "/app.js", false));
        assertFalse(AuthFilter.isPublic(get, "/", true));           // a CloudEvent sent with GET
        assertFalse(AuthFilter.isPublic(post, "/", false));
        assertFalse(AuthFilter.isPublic(post, "/artifacts/abc.mp4", false));
        assertFalse(AuthFilter.isPublic(get, "/q/healthz", false));
        assertFalse(AuthFilter.isPublic(get, "/q/metrics", false));
        assertFalse(AuthFilter.isPublic(get, "/jobs", false));
        assertFalse(AuthFilter.isPublic(get, "/text-to-video", false));
        assertFalse(AuthFilter.isPublic(post, "/uploads", false));
    }
}
