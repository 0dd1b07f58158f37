package ai.t2vzero.job;

import java.time.Instant;

/** The 202 answer to {@code POST /jobs/{function}}: where to watch the job. */
public record JobAccepted(String id, String function, JobStatus status, Instant createdAt, String statusUrl,
                          String eventsUrl) {
}
