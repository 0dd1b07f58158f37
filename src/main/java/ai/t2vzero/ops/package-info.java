/**
 * Operations: health checks for Kubernetes' probes ({@code /q/health/started|ready|live}), Prometheus metrics
 * ({@code /q/metrics}), the startup warm-up (libtorch, optionally the default bundle) and the shutdown state that
 * makes new jobs get 503 while in-flight ones finish.
 */
package ai.t2vzero.ops;
