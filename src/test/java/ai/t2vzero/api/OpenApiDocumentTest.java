package ai.t2vzero.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.t2vzero.function.FunctionCalls;
import ai.t2vzero.job.JobResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;

/**
 * /q/openapi describes every route the app serves: each Vert.x route of the router outside /q (Funqy's functions and
 * /, uploads, artifacts) and each JAX-RS resource method (the job API), with its methods, plus the schemas of the four
 * function requests and of the answer.
 */
@QuarkusTest
class OpenApiDocumentTest {

    @Test
    void everyRouteIsInTheDocument() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Object>> paths = doc.getMap("paths");
        List<String> missing = new ArrayList<>();

        // Vert.x routes (Funqy, uploads, artifacts, our own)
        assertNotNull(RouterCapture.router, "router captured");
        int vertxRoutes = 0;
        for (Route route : RouterCapture.router.getRoutes()) {
            String path = route.getPath();
            if (path == null || path.startsWith("/q/") || path.equals("/q")) {
                continue; // regex routes (the Prefer: respond-async filter) and Quarkus' own endpoints
            }
            String openApiPath = path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            if (openApiPath.endsWith("*")) {
                continue;
            }
            vertxRoutes++;
            Map<String, Object> operations = paths.get(openApiPath);
            if (operations == null) {
                missing.add(openApiPath);
                continue;
            }
            if (route.methods() != null) {
                for (HttpMethod m : route.methods()) {
                    if (!operations.containsKey(m.name().toLowerCase(Locale.ROOT))) {
                        missing.add(m.name() + " " + openApiPath);
                    }
                }
            }
        }
        assertTrue(vertxRoutes >= 6, "the router has the functions, uploads and artifacts: " + vertxRoutes);

        // JAX-RS resources
        String base = JobResource.class.getAnnotation(Path.class).value();
        for (Method method : JobResource.class.getDeclaredMethods()) {
            String verb = verb(method);
            if (verb == null) {
                continue;
            }
            Path sub = method.getAnnotation(Path.class);
            String path = base + (sub == null ? "" : sub.value());
            Map<String, Object> operations = paths.get(path);
            if (operations == null || !operations.containsKey(verb)) {
                missing.add(verb.toUpperCase(Locale.ROOT) + " " + path);
            }
        }
        assertTrue(missing.isEmpty(), "routes missing from /q/openapi: " + missing + "; documented: " + paths.keySet());

        for (String function : FunctionCalls.NAMES) {
            assertTrue(paths.containsKey("/" + function), function);
        }
        Map<String, Object> schemas = doc.getMap("components.schemas");
        for (String schema : List.of("TextToVideoRequest", "EdgeToVideoRequest", "PoseToVideoRequest",
                "VideoPix2PixRequest", "TextToVideoResponse", "ApiError", "JobDocument", "JobAccepted")) {
            assertTrue(schemas.containsKey(schema), "schema " + schema + " in " + schemas.keySet());
        }
        Map<String, Object> t2v = doc.getMap("components.schemas.TextToVideoRequest.properties");
        for (String field : List.of("prompt", "videoLength", "numInferenceSteps", "motionFieldStrengthX", "seed",
                "timeoutSeconds", "webhook")) {
            assertTrue(t2v.containsKey(field), "TextToVideoRequest." + field);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) paths.get("/").get("post");
        assertFalse(String.valueOf(root.get("description")).isBlank());
    }

    private static String verb(Method m) {
        for (Class<? extends Annotation> a : List.of(GET.class, POST.class, PUT.class, DELETE.class, HEAD.class)) {
            if (m.isAnnotationPresent(a)) {
                return a.getSimpleName().toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }
}
