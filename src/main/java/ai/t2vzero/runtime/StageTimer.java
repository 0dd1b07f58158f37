package ai.t2vzero.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall-clock time per named stage, accumulated: {@code try (var t = timer.start("unet")) { ... }}.
 * Feeds the response's {@code timings} and the benchmark. Not thread-safe: one per job.
 */
public final class StageTimer {

    private final Map<String, Long> nanos = new LinkedHashMap<>();

    public Stage start(String name) {
        return new Stage(name, System.nanoTime());
    }

    public Map<String, Double> millis() {
        Map<String, Double> out = new LinkedHashMap<>();
        nanos.forEach((k, v) -> out.put(k, v / 1e6));
        return out;
    }

    public final class Stage implements AutoCloseable {
        private final String name;
        private final long t0;

        private Stage(String name, long t0) {
            this.name = name;
            this.t0 = t0;
        }

        @Override
        public void close() {
            nanos.merge(name, System.nanoTime() - t0, Long::sum);
        }
    }
}
