package ai.t2vzero.scheduler;

import ai.t2vzero.weights.WeightLoadException;
import org.junit.jupiter.api.Test;

import static ai.t2vzero.scheduler.SchedulerTestSupport.SD15;
import static ai.t2vzero.scheduler.SchedulerTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerConfigTest {

    @Test
    void readsTheClassNamedInTheFile() {
        SchedulerConfig c = SchedulerConfig.read(json("\"_class_name\": \"PNDMScheduler\", " + SD15
                + ", \"skip_prk_steps\": true, \"set_alpha_to_one\": false"));
        assertEquals(Schedulers.PNDM, c.className());
        assertEquals(BetaSchedule.SCALED_LINEAR, c.betaSchedule());
        assertEquals(TimestepSpacing.LEADING, c.timestepSpacing());
        assertEquals(1, c.stepsOffset());
        assertTrue(c.skipPrkSteps());
        assertNull(c.trainedBetas());
    }

    @Test
    void missingKeysTakeTheDefaultsOfTheClassBeingBuilt() {
        // SD 1.5's PNDM config has no clip_sample: DDIMScheduler.from_config(it) clips (DDIM's default is True)
        String pndm = "\"_class_name\": \"PNDMScheduler\", " + SD15 + ", \"skip_prk_steps\": true";
        SchedulerConfig ddim = SchedulerConfig.read(json(pndm), Schedulers.DDIM);
        assertTrue(ddim.clipSample());
        assertTrue(ddim.setAlphaToOne()); // DDIM default; PNDM's default would be false
        assertEquals(TimestepSpacing.LEADING, ddim.timestepSpacing());
        SchedulerConfig eulerA = SchedulerConfig.read(json(pndm), Schedulers.EULER_ANCESTRAL);
        assertEquals(TimestepSpacing.LINSPACE, eulerA.timestepSpacing());
        assertFalse(eulerA.clipSample());
        SchedulerConfig bare = SchedulerConfig.read(json(""), Schedulers.DDIM);
        assertEquals(BetaSchedule.LINEAR, bare.betaSchedule());
        assertEquals(0.0001, bare.betaStart());
        assertEquals(0.02, bare.betaEnd());
        assertEquals(0, bare.stepsOffset());
        assertEquals(PredictionType.EPSILON, bare.predictionType());
    }

    @Test
    void unsupportedValuesAreRefusedNamingTheKey() {
        assertRefused("\"beta_schedule\": \"squaredcos_cap_v2\"", Schedulers.DDIM, "beta_schedule");
        assertRefused("\"prediction_type\": \"sample\"", Schedulers.DDIM, "prediction_type");
        assertRefused("\"thresholding\": true", Schedulers.DDIM, "thresholding");
        assertRefused("\"rescale_betas_zero_snr\": true", Schedulers.EULER_ANCESTRAL, "rescale_betas_zero_snr");
        assertRefused("\"use_karras_sigmas\": true", Schedulers.EULER_ANCESTRAL, "use_karras_sigmas");
        assertRefused("\"interpolation_type\": \"log_linear\"", Schedulers.EULER_ANCESTRAL, "interpolation_type");
        assertRefused("\"timestep_spacing\": \"karras\"", Schedulers.DDIM, "timestep_spacing");
        assertRefused("\"skip_prk_steps\": false", Schedulers.PNDM, "skip_prk_steps");
        assertRefused("", Schedulers.PNDM, "skip_prk_steps"); // PNDM's default is the PRK warm-up
        assertRefused("\"trained_betas\": \"x\"", Schedulers.DDIM, "trained_betas");
        assertRefused("\"num_train_timesteps\": 1000.5", Schedulers.DDIM, "num_train_timesteps");
        WeightLoadException e = assertThrows(WeightLoadException.class,
                () -> SchedulerConfig.read(json("\"_class_name\": \"LMSDiscreteScheduler\"")));
        assertTrue(e.getMessage().contains("LMSDiscreteScheduler"), e.getMessage());
    }

    @Test
    void supportedValuesOfRefusableKeysAreAccepted() {
        SchedulerConfig c = SchedulerConfig.read(json(SD15 + ", \"thresholding\": false, \"rescale_betas_zero_snr\": "
                + "false, \"use_karras_sigmas\": false, \"interpolation_type\": \"linear\", \"trained_betas\": null, "
                + "\"prediction_type\": \"v_prediction\", \"timestep_spacing\": \"trailing\""), Schedulers.EULER_ANCESTRAL);
        assertEquals(PredictionType.V_PREDICTION, c.predictionType());
        assertEquals(TimestepSpacing.TRAILING, c.timestepSpacing());
    }

    @Test
    void trainedBetasReplaceTheSchedule() {
        SchedulerConfig c = SchedulerConfig.read(json("\"num_train_timesteps\": 4, \"trained_betas\": [0.1, 0.2, 0.3, 0.4]"),
                Schedulers.DDIM);
        assertArrayEquals(new double[] {0.1f, 0.2f, 0.3f, 0.4f}, c.betas());
        // cumprod in double of the float32 alphas, each product rounded to float32
        assertArrayEquals(new double[] {0.9f, (float) (0.9f * (double) 0.8f), (float) (0.9f * (double) 0.8f * 0.7f),
                (float) (0.9f * (double) 0.8f * 0.7f * 0.6f)}, c.alphasCumprod(), 1e-7);
        SchedulerConfig bad = SchedulerConfig.read(json("\"num_train_timesteps\": 5, \"trained_betas\": [0.1]"),
                Schedulers.DDIM);
        assertThrows(WeightLoadException.class, bad::betas);
    }

    @Test
    void linearAndScaledLinearBetas() {
        double[] lin = SchedulerConfig.read(json("\"num_train_timesteps\": 1000"), Schedulers.DDIM).betas();
        assertEquals(0.0001f, lin[0]);
        assertEquals(0.02f, lin[999]);
        // torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000) ** 2: 8.5e-4 first, 0.012 last
        double[] scaled = SchedulerTestSupport.config(Schedulers.DDIM, "").betas();
        assertEquals(0.00085, scaled[0], 1e-9);
        assertEquals(0.012, scaled[999], 1e-9);
        for (int i = 1; i < 1000; i++) {
            assertTrue(scaled[i] > scaled[i - 1], "betas increase");
        }
    }

    private static void assertRefused(String body, String className, String key) {
        WeightLoadException e = assertThrows(WeightLoadException.class,
                () -> SchedulerConfig.read(json(SD15 + (body.isEmpty() ? "" : ", " + body)), className));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
    }
}
