package ai.t2vzero.job;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where a job is: {@code queued -> running -> succeeded | failed | canceled} (a queued job may also end directly). */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED;

    /** The JSON name, lower case: {@code "queued"}. */
    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for the three final states. */
    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }
}
