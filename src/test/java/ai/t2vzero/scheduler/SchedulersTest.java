package ai.t2vzero.scheduler;

import ai.t2vzero.weights.WeightLoadException;
import org.junit.jupiter.api.Test;

import static ai.t2vzero.scheduler.SchedulerTestSupport.SD15;
import static ai.t2vzero.scheduler.SchedulerTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulersTest {

    private static final String PNDM_CONFIG = "\"_class_name\": \"PNDMScheduler\", " + SD15
            + ", \"skip_prk_steps\": true, \"set_alpha_to_one\": false, \"clip_sample\": false";

    @Test
    void buildsTheClassOfTheConfig() {
        try (Scheduler s = Schedulers.fromConfig(json(PNDM_CONFIG))) {
            assertInstanceOf(PNDMScheduler.class, s);
        }
    }

    @Test
    void switchesClassKeepingTheBetas() {
        try (Scheduler pndm = Schedulers.fromConfig(json(PNDM_CONFIG));
             Scheduler ddim = Schedulers.fromConfig(json(PNDM_CONFIG), "ddim");
             Scheduler eulerA = Schedulers.fromConfig(json(PNDM_CONFIG), "euler_ancestral")) {
            assertInstanceOf(DDIMScheduler.class, ddim);
            assertInstanceOf(EulerAncestralDiscreteScheduler.class, eulerA);
            assertArrayEquals(pndm.alphasCumprod(), ddim.alphasCumprod());
            assertArrayEquals(pndm.alphasCumprod(), eulerA.alphasCumprod());
            ddim.setTimesteps(20);
            pndm.setTimesteps(20);
            assertArrayEquals(new double[] {951, 901}, java.util.Arrays.copyOf(ddim.timesteps(), 2));
        }
        assertInstanceOf(DDIMScheduler.class, Schedulers.fromConfig(json(PNDM_CONFIG), "DDIMScheduler"));
    }

    @Test
    void unknownNamesAreRefused() {
        WeightLoadException e = assertThrows(WeightLoadException.class,
                () -> Schedulers.fromConfig(json(PNDM_CONFIG), "lms"));
        assertTrue(e.getMessage().contains("lms"), e.getMessage());
    }
}
