/** Command-line entry points of the jar: the one-shot generation job of the README and the benchmark. */
package ai.t2vzero.cli;
