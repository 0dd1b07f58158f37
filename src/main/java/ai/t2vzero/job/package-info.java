/**
 * Jobs: every generation as a first-class job with an id, a status, progress from the engine's per-step hook, a
 * deadline and cancellation; the job API on Quarkus REST ({@code POST /jobs/{function}}, {@code GET /jobs/{id}},
 * {@code GET /jobs/{id}/events} as server-sent events, {@code DELETE /jobs/{id}}), a bounded FIFO queue in front of
 * the job slots, webhooks signed as Standard Webhooks say, and CloudEvents that survive Knative's timeouts (sink mode,
 * one job per (source, id)).
 */
package ai.t2vzero.job;
