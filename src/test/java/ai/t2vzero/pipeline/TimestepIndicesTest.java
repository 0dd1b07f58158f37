package ai.t2vzero.pipeline;

import ai.t2vzero.pipeline.TimestepIndices.T0T1;
import ai.t2vzero.scheduler.Scheduler;
import ai.t2vzero.scheduler.Schedulers;
import ai.t2vzero.weights.ConfigJson;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimestepIndicesTest {

    /** SD 1.5's scheduler_config.json (PNDM, leading spacing, steps_offset 1). */
    private static final String SD15 = "{\"_class_name\": \"PNDMScheduler\", \"beta_start\": 0.00085, "
            + "\"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", \"num_train_timesteps\": 1000, "
            + "\"set_alpha_to_one\": false, \"skip_prk_steps\": true, \"steps_offset\": 1, "
            + "\"timestep_spacing\": \"leading\"}";

    /** steps -> the timestep list of scheduler {@code name} built from SD 1.5's config (host-only: no NDArrays). */
    private static IntFunction<double[]> schedule(String name) {
        return steps -> {
            try (Scheduler s = Schedulers.fromConfig(new ConfigJson(new ObjectMapper().readTree(SD15), "sd15"), name)) {
                s.setTimesteps(steps);
                return s.timesteps();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"ddim", "pndm", "euler-ancestral", "dpm-solver++", "dpm-solver++-karras"})
    void theReferenceStepCountKeepsTheDefaults(String scheduler) {
        assertEquals(new T0T1(44, 47), TimestepIndices.forSteps(schedule(scheduler), 50, 44, 47, 50));
        // the rule itself is the identity there too (every scheduler's 50-step schedule has distinct targets)
        double[] ts = schedule(scheduler).apply(50);
        assertEquals(new T0T1(44, 47), TimestepIndices.derive(ts, 44, 47, ts));
    }

    @Test
    void twentyStepsLandOnTheNearestTimesteps() {
        // DDIM 50: 881 / 941 at 44 / 47; DDIM 20 (951, 901, 851, ...): 901 and 951
        assertEquals(new T0T1(18, 19), TimestepIndices.forSteps(schedule("ddim"), 50, 44, 47, 20));
        // DPM-Solver++ leading (n + 1 points): 50 steps -> 856 / 913; 20 steps (941, 894, 847, ...) -> 847 / 894
        assertEquals(new T0T1(17, 18), TimestepIndices.forSteps(schedule("dpm-solver++"), 50, 44, 47, 20));
        // PNDM's list has 21 entries (951, 901, 901, 851, ...): 881 -> 901 (first of the pair), 941 -> 951
        assertEquals(new T0T1(19, 20), TimestepIndices.forSteps(schedule("pndm"), 50, 44, 47, 20));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 8, 10, 15, 20, 25, 30, 40, 49, 51, 75, 100, 250})
    void everyStepCountGivesAValidOrderedPair(int steps) {
        for (String name : new String[] {"ddim", "pndm", "euler-ancestral", "dpm-solver++", "dpm-solver++-karras"}) {
            IntFunction<double[]> schedule = schedule(name);
            int m = schedule.apply(steps).length;
            T0T1 p = TimestepIndices.forSteps(schedule, 50, 44, 47, steps);
            assertTrue(0 <= p.t0() && p.t0() < p.t1() && p.t1() <= m - 1, name + " " + steps + ": " + p);
        }
    }

    @Test
    void aTieGoesToTheNoisierEntryAndCollisionsAreSeparated() {
        double[] reference = {1000, 900, 800, 700, 600, 500};   // t1 = 4 -> 900, t0 = 3 -> 800
        // 850 is as far from 900 as 800... ties: 900 -> {950, 850}: the earlier 950
        assertEquals(new T0T1(2, 3), TimestepIndices.derive(reference, 3, 4, new double[] {950, 850, 750, 650}));
        // both targets nearest to the first entry: t0 moves one later
        assertEquals(new T0T1(0, 1), TimestepIndices.derive(reference, 3, 4, new double[] {990, 10}));
        assertThrows(IllegalArgumentException.class, () -> TimestepIndices.derive(reference, 3, 4, new double[] {5}));
        assertThrows(IllegalArgumentException.class, () -> TimestepIndices.derive(reference, 4, 4, reference));
    }
}
