package ai.t2vzero.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

import ai.t2vzero.pipeline.GenerationListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of the command-line job, on stderr so that stdout keeps only the result (its last line is the video's
 * path, for scripts). On a terminal: one progress bar (me.tongfei:progressbar) over all units of the job's plan,
 * showing the whole job's percentage, units done/total, elapsed time and ETA, and the current stage with its own
 * step/steps. Otherwise (a pipe, a log file, CI): one plain line per stage when it completes, with its duration and the
 * elapsed time; no escape codes, no carriage returns.
 */
final class CommandProgress implements GenerationListener, AutoCloseable {

    private final String task;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    /** Units per stage from the plan (stages the plan did not name are added when first heard). */
    private final Map<String, Integer> units = new LinkedHashMap<>();
    /** Units done per stage (the latest step heard). */
    private final Map<String, Integer> done = new LinkedHashMap<>();
    /** When each stage was first heard of, or when the previous one ended (nanoClock). */
    private final Map<String, Long> stageStart = new LinkedHashMap<>();
    private final long start;
    private long lastStepAt;
    private ProgressBar bar;

    /**
     * @param task     the bar's label, e.g. "text-to-video"
     * @param out      where progress goes (stderr)
     * @param terminal draw a bar (true) or write plain lines (false)
     */
    CommandProgress(String task, PrintStream out, boolean terminal) {
        this(task, out, terminal, System::nanoTime);
    }

    CommandProgress(String task, PrintStream out, boolean terminal, LongSupplier nanoClock) {
        this.task = task;
        this.out = out;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.lastStepAt = start;
    }

    /** A terminal is attached (Java 17: stdin and stdout both interactive): draw the bar. */
    static boolean onTerminal() {
        return System.console() != null;
    }

    @Override
    public synchronized void onPlan(List<StagePlan> plan) {
        for (StagePlan s : plan) {
            units.merge(s.stage(), s.units(), Integer::sum);
        }
        if (terminal) {
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(Math.max(1, total()))
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(out))
                    .build();
        }
    }

    @Override
    public synchronized void onStep(String stage, int step, int steps) {
        long now = nanoClock.getAsLong();
        if (!units.containsKey(stage)) { // a stage the plan did not list (or no plan at all)
            units.put(stage, steps);
            if (bar != null) {
                bar.maxHint(total());
            }
        }
        stageStart.putIfAbsent(stage, lastStepAt);
        done.put(stage, Math.min(step, units.get(stage)));
        lastStepAt = now;
        if (bar != null) {
            bar.stepTo(doneUnits());
            bar.setExtraMessage(String.format(Locale.ROOT, " %s %d/%d", stage, step, steps));
        } else if (step >= steps) {
            out.printf(Locale.ROOT, "%s: %s %d/%d done in %s (elapsed %s, %d%%)%n", task, stage, step, steps,
                    seconds(now - stageStart.get(stage)), seconds(now - start), percent());
            out.flush();
        }
    }

    /** Ends the bar (leaving it drawn at its last state); plain mode has nothing pending. */
    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    private long total() {
        return units.values().stream().mapToLong(Integer::longValue).sum();
    }

    private long doneUnits() {
        return done.values().stream().mapToLong(Integer::longValue).sum();
    }

    private int percent() {
        long total = total();
        return total == 0 ? 0 : (int) Math.min(100, doneUnits() * 100 / total);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", Duration.ofNanos(nanos).toMillis() / 1000.0);
    }
}
