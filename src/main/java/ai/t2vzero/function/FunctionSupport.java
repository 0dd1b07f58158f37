package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.artifact.ArtifactUrls;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.ops.JobMetrics;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the four Funqy functions share: validation of the request (an empty body is a 400 on {@code prompt}; every
 * rejection is counted per mode), the public base URL of the artifacts, and the startup check that the configured
 * defaults make a valid request. Each function class adds only its {@code @Funq} method and its request type.
 */
abstract class FunctionSupport {

    /** The input type of every function, by name (the error mapping re-reads a rejected body as it). */
    static final Map<String, Class<?>> INPUTS = Map.of(
            TextToVideoFunction.NAME, TextToVideoRequest.class,
            EdgeToVideoFunction.NAME, EdgeToVideoRequest.class,
            PoseToVideoFunction.NAME, PoseToVideoRequest.class,
            VideoPix2PixFunction.NAME, VideoPix2PixRequest.class);

    @Inject
    T2vConfig config;

    @Inject
    VideoJobs jobs;

    @Inject
    ArtifactUrls urls;

    @Inject
    CurrentVertxRequest currentRequest;

    @Inject
    JobMetrics metrics;

    /** {@code resolve.apply(request)}, or a 400 naming the field, counted as a rejected {@code mode} request. */
    <R, P> P resolved(String mode, R request, Function<R, P> resolve) {
        try {
            if (request == null) { // empty body
                throw new InvalidFieldException("prompt", "prompt must not be blank (the request body is empty)");
            }
            return resolve.apply(request);
        } catch (InvalidFieldException e) {
            metrics.rejected(mode);
            throw e;
        }
    }

    /** scheme://host[:port][/prefix] of this service as the caller sees it (or t2v.artifacts.public-base-url). */
    String publicBaseUrl() {
        return urls.publicBaseUrl(currentRequest.getCurrent());
    }

    /** Fails startup when t2v.defaults.* / t2v.limits.* could never give a valid {@code mode} request. */
    static void checkDefaults(String mode, Supplier<?> resolveDefaults) {
        try {
            resolveDefaults.get();
        } catch (InvalidFieldException e) {
            throw new IllegalStateException("t2v.defaults / t2v.limits give an invalid " + mode + " request: "
                    + e.getMessage(), e);
        }
    }
}
