package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.artifact.ArtifactUrls;
import ai.t2vzero.config.T2vConfig;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What the four Funqy functions share: validation of the request ({@link FunctionCalls}: an empty body is a 400 on
 * {@code prompt}; every rejection is counted per mode), the public base URL of the artifacts, the synchronous run
 * with the job deadline, cancellation when the caller disconnects and one job per CloudEvent (source, id)
 * ({@link SyncCallRunner}, job/'s SyncJobs), and the startup check that the configured defaults make a valid request. Each function class
 * adds only its {@code @Funq} method and its request type.
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
    FunctionCalls calls;

    @Inject
    SyncCallRunner syncCalls;

    @Inject
    ArtifactUrls urls;

    @Inject
    CurrentVertxRequest currentRequest;

    /** Validates {@code request} of {@code function} and runs it in this call; {@code event} null for plain HTTP. */
    TextToVideoResponse call(String function, Object request, CloudEvent<?> event) {
        RoutingContext ctx = currentRequest.getCurrent();
        PreparedCall prepared = calls.prepare(function, request, urls.publicBaseUrl(ctx));
        return syncCalls.run(prepared, event == null ? null : event.source(), event == null ? null : event.id(),
                () -> ctx != null && ctx.response().closed());
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
