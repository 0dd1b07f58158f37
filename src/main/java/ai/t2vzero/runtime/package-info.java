/** The engine and what every computation needs from it: libtorch loading (offline), device and dtype, NDArray scopes, noise sources, stage timers, FLOP counting, native memory readings. */
package ai.t2vzero.runtime;
