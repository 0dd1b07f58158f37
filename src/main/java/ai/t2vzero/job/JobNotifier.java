package ai.t2vzero.job;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * When an asynchronous job ends: its webhook ({@link WebhookSender}) and, for a job started by a CloudEvent in sink
 * mode, the sink ({@link CloudEventSink}) are told, on threads of their own so that retries never hold a job slot.
 */
@ApplicationScoped
public class JobNotifier {

    private static final Logger LOG = Logger.getLogger(JobNotifier.class);

    @Inject
    WebhookSender webhooks;

    @Inject
    CloudEventSink sink;

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "t2v-job-notifier");
        t.setDaemon(true);
        return t;
    });

    void onFinished(Job job) {
        JobDocument document = job.document(null);
        if (job.webhookUrl() != null) {
            executor.execute(() -> guarded(job, () -> webhooks.deliver(job, document)));
        }
        if (job.origin() != null && sink.sink().isPresent()) {
            executor.execute(() -> guarded(job, () -> sink.send(job, document)));
        }
    }

    private static void guarded(Job job, Runnable delivery) {
        try {
            delivery.run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: telling the outcome failed", job.id());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        executor.shutdown();
    }
}
