package ai.t2vzero.function;

/**
 * The two request fields every function shares that are about the job rather than the video: its deadline and,
 * for an asynchronous job ({@code POST /jobs/{function}}), the URL told when it ends. Validated by
 * {@link FunctionCalls#prepare}; neither changes the video.
 */
public interface AsyncFields {

    /** Seconds the job may take from its creation (queue included), at most t2v.jobs.timeout; null: that value. */
    Integer timeoutSeconds();

    /** http(s) URL POSTed the job document when an asynchronous job ends (Standard Webhooks signature), or null. */
    String webhook();
}
