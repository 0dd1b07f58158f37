package ai.t2vzero.auth;

import ai.t2vzero.input.UploadStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With tokens configured, every route the application installed (enumerated from the router itself, plus the
 * function, upload, job and metrics paths) answers 401 JSON without a token and with a wrong one, except the health
 * probes, artifacts and the page's files; the right token passes, and an unauthenticated upload stores nothing.
 */
@QuarkusTest
@TestProfile(AuthFilterTest.Profile.class)
class AuthFilterTest {

    static final String TOKEN = "test-token-alpha-0123456789";
    static final String FILE_TOKEN = "file-token-gamma-9876543210";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path file = Files.createTempFile("t2v-tokens", ".txt");
                Files.writeString(file, "# tokens\n\n" + FILE_TOKEN + "\n");
                file.toFile().deleteOnExit();
                return Map.of("t2v.auth.tokens", TOKEN + ",second-token-beta", "t2v.auth.tokens-file", file.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    RouterCapture routes;
    @Inject
    UploadStore uploads;

    @Test
    void everyNonPublicRouteAnswers401WithoutOrWithAWrongToken() {
        Set<String[]> probes = new LinkedHashSet<>();
        for (Route r : routes.router().getRoutes()) {
            String path = r.getPath();
            if (path == null || path.startsWith("/q/health") || path.startsWith("/artifacts/")) {
                continue;
            }
            String concrete = path.replaceAll(":[A-Za-z0-9_]+", "x").replace("*", "x");
            Set<HttpMethod> methods = r.methods() == null || r.methods().isEmpty() ? Set.of(HttpMethod.POST) : r.methods();
            for (HttpMethod m : methods) {
                probes.add(new String[] {m.name(), concrete});
            }
        }
        for (String p : List.of("/", "/text-to-video", "/edge-to-video", "/pose-to-video", "/video-pix2pix",
                "/uploads", "/jobs", "/q/metrics", "/no-such-route")) {
            probes.add(new String[] {"POST", p});
            probes.add(new String[] {"GET", p + "?prompt=x"});
        }
        probes.add(new String[] {"DELETE", "/uploads/" + "0".repeat(32)});
        probes.add(new String[] {"DELETE", "/jobs/x"});
        probes.add(new String[] {"GET", "/jobs/x"});
        List<String> open = new ArrayList<>();
        int checked = 0;
        for (String[] probe : probes) {
            boolean read = probe[0].equals("GET") || probe[0].equals("HEAD");
            if (read && (probe[1].equals("/") || probe[1].startsWith("/?"))) {
                continue; // the page itself is public (its API calls are not); a CloudEvent as GET / is checked below
            }
            for (String auth : new String[] {null, "Bearer wrong-token", "Basic " + TOKEN, "Bearer " + TOKEN + "x"}) {
                var spec = given().contentType("application/json").body("{\"prompt\":\"x\"}");
                if (auth != null) {
                    spec.header("Authorization", auth);
                }
                Response r = spec.request(probe[0], probe[1]);
                checked++;
                if (r.statusCode() != 401 || !"unauthorized".equals(r.path("error"))
                        || r.header("WWW-Authenticate") == null) {
                    open.add(probe[0] + " " + probe[1] + " auth=" + (auth == null ? "none" : auth.split(" ")[0])
                            + " -> " + r.statusCode());
                }
            }
        }
        assertTrue(open.isEmpty(), "answered without a valid token: " + open);
        assertTrue(checked > 40, "probed " + checked);
        // a CloudEvent sent as GET / is not the page
        given().header("Ce-Id", "1").header("Ce-Type", "text-to-video").header("Ce-Source", "/t")
                .header("Ce-Specversion", "1.0").get("/").then().statusCode(401);
    }

    @Test
    void theRightTokenPassesAndPublicRoutesNeedNone() {
        // a validation error proves the request reached the function
        for (String token : new String[] {TOKEN, "second-token-beta", FILE_TOKEN}) {
            given().header("Authorization", "Bearer " + token).contentType("application/json")
                    .body("{\"prompt\":\"\"}").post("/text-to-video")
                    .then().statusCode(400).body("field", equalTo("prompt"));
        }
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health").then().statusCode(200);
        given().get("/artifacts/0123456789abcdef0123456789abcdef.mp4").then().statusCode(404);
        given().header("Authorization", "Bearer " + TOKEN).get("/q/metrics").then().statusCode(200);
    }

    @Test
    void anUnauthenticatedUploadIsRefusedBeforeAByteIsStored() throws IOException {
        Set<String> before = listing(uploads.dir());
        given().contentType("video/mp4").body(new byte[1024]).post("/uploads")
                .then().statusCode(401).body("error", equalTo("unauthorized"));
        assertEquals(before, listing(uploads.dir()));
        int status = given().header("Authorization", "Bearer " + TOKEN).contentType("video/mp4")
                .body(new byte[16]).post("/uploads").statusCode();
        assertNotEquals(401, status); // reaches the upload route (422: sixteen zero bytes are no video)
    }

    private static Set<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new java.util.TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
