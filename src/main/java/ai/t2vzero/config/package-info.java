/** The service's settings: one {@code @ConfigMapping} tree under {@code t2v}, the single home of every default. */
package ai.t2vzero.config;
