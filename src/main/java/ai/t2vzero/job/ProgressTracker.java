package ai.t2vzero.job;

import ai.t2vzero.pipeline.GenerationListener;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the engine's steps into one fraction of the whole job and stops the run when the job is asked to. Every unit
 * of every planned stage weighs the same (a UNet pass, one text encoding, one chunk's VAE decoding, encoding,
 * storing): the fraction is the units done over all planned units. Stages interleave when a job runs in chunks
 * (denoise, decode, denoise, decode...) but each stage's step is cumulative, so the sum only grows. A stage the plan
 * did not name is added to it when it first reports. Called on the generating thread.
 */
final class ProgressTracker implements GenerationListener {

    private final Job job;
    private final Map<String, Integer> planned = new LinkedHashMap<>();
    private final Map<String, Integer> done = new LinkedHashMap<>();
    private long plannedUnits;

    ProgressTracker(Job job) {
        this.job = job;
    }

    @Override
    public void onPlan(List<StagePlan> plan) {
        job.checkStop();
        for (StagePlan s : plan) {
            planned.merge(s.stage(), Math.max(0, s.units()), Integer::sum);
            plannedUnits += Math.max(0, s.units());
        }
    }

    @Override
    public void onStep(String stage, int step, int steps) {
        if (!planned.containsKey(stage)) {
            planned.put(stage, steps);
            plannedUnits += steps;
        }
        int units = Math.min(Math.max(step, done.getOrDefault(stage, 0)), planned.get(stage));
        done.put(stage, units);
        long doneUnits = 0;
        for (int u : done.values()) {
            doneUnits += u;
        }
        job.progress(stage, step, steps, plannedUnits == 0 ? 0 : (double) doneUnits / plannedUnits);
        job.checkStop();
    }
}
