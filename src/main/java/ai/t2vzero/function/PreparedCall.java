package ai.t2vzero.function;

import java.time.Duration;

/**
 * A function request that passed validation: what runs it and the job fields that came with it.
 *
 * @param function the function name, e.g. {@code text-to-video}
 * @param call     runs the generation (blocking)
 * @param timeout  the job's deadline, counted from its creation
 * @param webhook  http(s) URL to tell when an asynchronous job ends, or null (address not checked yet)
 */
public record PreparedCall(String function, GenerationCall call, Duration timeout, String webhook) {
}
