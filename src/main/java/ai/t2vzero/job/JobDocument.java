package ai.t2vzero.job;

import ai.t2vzero.errors.ApiError;
import ai.t2vzero.function.TextToVideoResponse;

import java.time.Instant;

/**
 * {@code GET /jobs/{id}}: one job as clients see it.
 *
 * @param queuePosition 1 for the next job to start, null when not queued
 * @param result        the function's answer (the video by URL) once succeeded, else null
 * @param error         once failed or canceled, else null; {@code error} is "timeout" past the deadline
 * @param webhook       the webhook delivery, or null without a webhook
 */
public record JobDocument(String id, String function, JobStatus status, Integer queuePosition, JobProgress progress,
                          Instant createdAt, Instant startedAt, Instant finishedAt, TextToVideoResponse result,
                          ApiError error, Delivery webhook) {
}
