package ai.t2vzero.job;

import ai.t2vzero.errors.ApiError;
import ai.t2vzero.function.EdgeToVideoRequest;
import ai.t2vzero.function.PoseToVideoRequest;
import ai.t2vzero.function.TextToVideoRequest;
import ai.t2vzero.function.VideoPix2PixRequest;
import io.smallrye.mutiny.Multi;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;


/**
 * The job API: {@code POST /jobs/{function}} queues a job (202), {@code GET /jobs/{id}} is its document,
 * {@code GET /jobs/{id}/events} streams its progress (SSE, {@link JobEventStream}), {@code DELETE /jobs/{id}}
 * cancels it. Errors are the service's JSON errors: validation and queue-full failures go through
 * ai.t2vzero.function.ErrorMapping, the job's own (404, 409) are answered here.
 */
@Path("/jobs")
@Tag(name = "jobs", description = "Asynchronous generation: queue, watch, cancel")
public class JobResource {

    @Inject
    JobSubmissions submissions;

    @Inject
    JobService service;

    @Inject
    JobEventStream events;

    @POST
    @Path("/{function}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue a job", description = "The body is the function's request, validated as the"
            + " synchronous route does (400 naming the field before any job exists); optional timeoutSeconds and"
            + " webhook. The plain function route with the header Prefer: respond-async does the same.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {
            TextToVideoRequest.class, EdgeToVideoRequest.class, PoseToVideoRequest.class, VideoPix2PixRequest.class})))
    @APIResponse(responseCode = "202", description = "queued", headers = @Header(name = "Location",
            description = "/jobs/{id}"), content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobAccepted.class)))
    @APIResponse(responseCode = "400", description = "a field is invalid", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such function", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "the queue is full (see Retry-After)", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response submit(@Parameter(description = "text-to-video, edge-to-video, pose-to-video or video-pix2pix",
                                   schema = @Schema(enumeration = {"text-to-video", "edge-to-video", "pose-to-video",
                                           "video-pix2pix"}, type = SchemaType.STRING))
                           @PathParam("function") String function, byte[] body, @Context RoutingContext ctx) {
        JobAccepted accepted;
        try {
            accepted = submissions.submit(function, body, ctx);
        } catch (JobSubmissions.UnknownFunctionException e) {
            return json(404, e.body());
        }
        // a relative Location, as the API documents it (Response#location would make it absolute)
        return Response.accepted(accepted).header("Location", JobSubmissions.PATH + accepted.id())
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A job's document: status, queue position, progress, result or error")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobDocument.class)))
    @APIResponse(responseCode = "404", description = "unknown, malformed or forgotten id", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public JobDocument get(@PathParam("id") String id) {
        return service.document(job(id));
    }

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a job", description = "A queued job never starts; a running one stops at its"
            + " next denoising step, frees its memory and slot and stores nothing.")
    @APIResponse(responseCode = "202", description = "canceled (a running job ends canceled at its next step)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = JobDocument.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "the job has already ended", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response cancel(@PathParam("id") String id) {
        Job job = job(id);
        if (!service.cancel(job)) {
            return json(409, ApiError.of("conflict", null, "job " + id + " has already ended ("
                    + job.status().json() + ")"));
        }
        return Response.accepted(service.document(job)).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "A job's progress as server-sent events", description = "The current state first, then one"
            + " `progress` event whenever the fraction moves (at most about 4 a second; keep-alive comments"
            + " meanwhile), then one final `succeeded`, `failed` or `canceled` event with the job document; then the"
            + " stream ends. Every event's data is the job document (JSON).")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            schema = @Schema(implementation = JobDocument.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiError.class)))
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        return events.stream(job(id), sse);
    }

    private Job job(String id) {
        return service.find(id).orElseThrow(() -> new WebApplicationException(json(404,
                ApiError.of("not_found", "id", "no job " + id + " (unknown, or finished longer ago than the retention)"))));
    }

    private static Response json(int status, ApiError error) {
        return Response.status(status).entity(error).type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
