package ai.t2vzero.job;

import ai.t2vzero.config.JobsConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * {@code GET /jobs/{id}/events}: the job is looked at every 250 ms; the first look sends the current state, later
 * ones a {@code progress} event when the fraction (or the status) changed, a keep-alive comment when nothing was sent
 * for t2v.jobs.keep-alive, and finally the {@code succeeded} / {@code failed} / {@code canceled} event, after which
 * the stream completes. Every event's data is the job document. Polling bounds the rate (at most 4 events a second)
 * without any bookkeeping in the generation itself.
 */
@ApplicationScoped
public class JobEventStream {

    static final long TICK_MS = 250;

    @Inject
    JobService service;

    @Inject
    JobsConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    Multi<OutboundSseEvent> stream(Job job, Sse sse) {
        return Multi.createFrom().emitter(emitter -> {
            Feed feed = new Feed(job, sse, emitter);
            long timer = vertx.setPeriodic(TICK_MS, id -> feed.tick());
            emitter.onTermination(() -> vertx.cancelTimer(timer));
            feed.tick();
        });
    }

    private final class Feed {
        private final Job job;
        private final Sse sse;
        private final MultiEmitter<? super OutboundSseEvent> emitter;
        private double lastFraction = -1;
        private JobStatus lastStatus;
        private long lastSentMs;
        private boolean done;

        Feed(Job job, Sse sse, MultiEmitter<? super OutboundSseEvent> emitter) {
            this.job = job;
            this.sse = sse;
            this.emitter = emitter;
        }

        synchronized void tick() {
            if (done || emitter.isCancelled()) {
                return;
            }
            JobDocument d = service.document(job);
            long now = System.currentTimeMillis();
            if (d.status().finished()) {
                done = true;
                emitter.emit(event(d.status().json(), d));
                emitter.complete();
            } else if (d.progress().fraction() != lastFraction || d.status() != lastStatus) {
                lastFraction = d.progress().fraction();
                lastStatus = d.status();
                lastSentMs = now;
                emitter.emit(event("progress", d));
            } else if (now - lastSentMs >= config.keepAlive().toMillis()) {
                lastSentMs = now;
                emitter.emit(sse.newEventBuilder().comment("keep-alive").build());
            }
        }

        private OutboundSseEvent event(String name, JobDocument d) {
            try {
                return sse.newEventBuilder().name(name).data(String.class, mapper.writeValueAsString(d)).build();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write the document of job " + d.id(), e);
            }
        }
    }
}
