package ai.t2vzero.job;

/**
 * The outcome of telling someone that a job ended (its webhook), as shown in the job document.
 *
 * @param url      where it goes
 * @param status   pending, delivered or failed
 * @param attempts POSTs made so far
 * @param error    why the last attempt failed (status code or exception), or null
 */
public record Delivery(String url, String status, int attempts, String error) {

    static Delivery pending(String url) {
        return new Delivery(url, "pending", 0, null);
    }
}
