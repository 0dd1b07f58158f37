package ai.t2vzero.job;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The job tests' app: a queue of 2 in front of the 1 job slot, webhooks signed with a known secret and retried after
 * 100 ms, 127.0.0.1 allowlisted for webhooks, and sink mode with the sink on a {@link LoopbackReceiver}.
 */
public class JobsTestProfile implements QuarkusTestProfile {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /** The receiver of webhooks and sink events, started with the app. */
    static volatile LoopbackReceiver receiver;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "t2v.limits.max-concurrent-jobs", "1",
                "t2v.jobs.max-queued", "2",
                "t2v.jobs.webhooks.secret", SECRET,
                "t2v.jobs.webhooks.backoff", "100ms",
                "t2v.inputs.allow-hosts", "127.0.0.1",
                // the receiver is on loopback: an unsafe category, lifted only explicitly
                "t2v.inputs.allow-unsafe-addresses", "loopback");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Receiver.class));
    }

    /** Starts the receiver and points t2v.events.sink at it. */
    public static class Receiver implements QuarkusTestResourceLifecycleManager {

        @Override
        public Map<String, String> start() {
            try {
                receiver = new LoopbackReceiver();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("t2v.events.sink", receiver.url("/sink"));
        }

        @Override
        public void stop() {
            if (receiver != null) {
                receiver.close();
            }
        }
    }
}
