package ai.t2vzero.function;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.input.InputsConfig;
import ai.t2vzero.config.JobsConfig;

/**
 * {@code GET /config/defaults}: read-only view of every request field of every function with the default this server
 * uses and its bounds ({@link RequestSchema}), from the running configuration. The web page builds its forms from it.
 */
@Path("/config/defaults")
public class DefaultsResource {

    @Inject
    T2vConfig config;

    @Inject
    InputsConfig inputs;

    @Inject
    JobsConfig jobs;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public RequestSchema.Defaults defaults() {
        return RequestSchema.of(config, inputs, jobs);
    }
}
