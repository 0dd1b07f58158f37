/**
 * t2vzero: Text2Video-Zero as a Quarkus/Funqy service. Functions ({@code function}) call pipelines ({@code pipeline}),
 * which run models ({@code model}) and schedulers ({@code scheduler}) loaded from bundles ({@code bundle},
 * {@code weights}) on the engine ({@code runtime}); {@code video}, {@code input}, {@code artifact}, {@code config}
 * and {@code ops} sit beside that chain.
 */
package ai.t2vzero;
