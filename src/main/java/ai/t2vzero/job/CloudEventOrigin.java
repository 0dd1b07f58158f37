package ai.t2vzero.job;

/** The CloudEvent a job was started by: its (source, id) identify it for deduplication and become t2vcause. */
public record CloudEventOrigin(String source, String id, String type) {

    /** The deduplication key of this event in the job store. */
    String key() {
        return key(source, id);
    }

    static String key(String source, String id) {
        return "ce:" + source.length() + ":" + source + id; // length prefix: ("a", "bc") != ("ab", "c")
    }
}
