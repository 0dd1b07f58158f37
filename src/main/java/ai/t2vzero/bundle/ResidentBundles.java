package ai.t2vzero.bundle;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which loaded bundles (Stable Diffusion and ControlNet alike) stay in memory: at most {@code t2v.models.max-resident};
 * past it, the least recently used bundle that no job holds is unloaded (its native memory freed). A bundle is held
 * from {@link #acquire} until {@link #release}; one in use is never unloaded, so the count can pass the limit while
 * every resident bundle is busy. Synchronized: the bookkeeping is tiny next to a load.
 */
final class ResidentBundles {

    private static final Logger LOG = Logger.getLogger(ResidentBundles.class);

    /** How to unload one entry (closes its manager); called with no registry lock held by this class. */
    interface Unloader {
        void unload(String key);
    }

    private final int maxResident;
    private final Unloader unloader;
    private final LinkedHashMap<String, int[]> users = new LinkedHashMap<>(16, 0.75f, true); // access order = LRU

    ResidentBundles(int maxResident, Unloader unloader) {
        if (maxResident < 1) {
            throw new IllegalArgumentException("t2v.models.max-resident must be >= 1 (got " + maxResident + ")");
        }
        this.maxResident = maxResident;
        this.unloader = unloader;
    }

    /** {@code key} is loaded (or used again) and held by one more job; unloads idle ones beyond the limit. */
    void acquire(String key) {
        List<String> evict = new ArrayList<>();
        synchronized (this) {
            users.computeIfAbsent(key, k -> new int[1])[0]++;
            int excess = users.size() - maxResident;
            for (Map.Entry<String, int[]> e : users.entrySet()) {
                if (excess <= 0) {
                    break;
                }
                if (e.getValue()[0] == 0 && !e.getKey().equals(key)) {
                    evict.add(e.getKey());
                    excess--;
                }
            }
            evict.forEach(users::remove);
        }
        for (String k : evict) {
            LOG.infof("unloading idle model bundle %s (t2v.models.max-resident=%d)", k, maxResident);
            unloader.unload(k);
        }
    }

    /** One job is done with {@code key}. */
    synchronized void release(String key) {
        int[] n = users.get(key);
        if (n != null && n[0] > 0) {
            n[0]--;
        }
    }

    /** {@code key} was unloaded or failed: forget it. */
    synchronized void forget(String key) {
        users.remove(key);
    }

    /** Whether {@code key} counts as resident (loaded or being loaded, held or not): unloaders re-check this. */
    synchronized boolean isResident(String key) {
        return users.containsKey(key);
    }

    synchronized int resident() {
        return users.size();
    }
}
