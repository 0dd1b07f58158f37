package ai.t2vzero.bundle;

/**
 * Hears of every bundle load (the job metrics time them), so that the registry does not depend on who measures it.
 */
public interface BundleLoadListener {

    /** Bundle {@code bundle} was loaded in {@code nanos}. */
    void loaded(String bundle, long nanos);

    /** Bundle {@code bundle} failed to load (it is then refused for a backoff: model_unavailable). */
    void failed(String bundle);
}
