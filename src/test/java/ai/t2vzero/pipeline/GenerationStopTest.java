package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.ModelBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's per-step hook, for every mode: the listener hears the plan first and then every unit of every stage
 * (steps cumulative over chunks, ending at the planned count), and a listener that throws
 * {@link GenerationStoppedException} in the middle of the second chunk stops the run at once (no further step) and
 * leaves nothing behind: no array on the bundle's manager, none on the caller's output manager.
 */
class GenerationStopTest {

    private static NDManager weights;
    private static StableDiffusionModels sd;
    private static StableDiffusionModels pix2pix;
    private static ControlNetModel controlnet;

    @BeforeAll
    static void load() {
        weights = NDManager.newBaseManager();
        Reference ref = Reference.load();
        sd = StableDiffusionModels.load("sd15-mini", new ModelBundle(ref.model("sd15")), DeviceSpec.cpu(), weights);
        controlnet = ControlNetModel.load(new ModelBundle(ref.model("controlnet")), ".", weights, DataType.FLOAT32);
        Path unetDir = ref.model("pix2pix_unet");
        UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(unetDir.getParent()),
                unetDir.getFileName().toString(), weights, DataType.FLOAT32);
        ConfigJson eulerA = ConfigJson.read(ref.model("schedulers").resolve("euler_ancestral/scheduler_config.json"));
        pix2pix = new StableDiffusionModels("pix2pix-mini", sd.tokenizer(), sd.textEncoder(), unet, sd.vae(), eulerA,
                sd.sampleSize(), sd.device(), weights);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    /** 5 frames in chunks of 3: [0,1,2], [0,3,4]. */
    private static final int FRAMES = 5;
    private static final int CHUNK = 3;

    private static NDArray textToVideo(GenerationRun run, NDManager out) {
        TextToVideoParams p = new TextToVideoParams("a horse galloping", "", "sd15-mini", FRAMES, 64, 64, 6, 7.5, 12, 12,
                1, 3, 6, 0, CHUNK, 1, TextToVideoParams.SchedulerName.DDIM, ai.t2vzero.video.VideoFormat.MP4, 4);
        return new TextToVideoZeroPipeline(sd).generate(p, run, out);
    }

    private static NDArray controlVideo(GenerationRun run, NDManager out) {
        ControlVideoParams p = new ControlVideoParams("a dancing robot", "", 4, 9.0, 1.0, 0, CHUNK, "ddim");
        try (NDManager in = NDManager.newBaseManager()) {
            return new ControlVideoPipeline(sd, controlnet).generate(p, in.randomUniform(0, 1, new Shape(FRAMES, 3, 64, 64)),
                    run, out);
        }
    }

    private static NDArray videoPix2Pix(GenerationRun run, NDManager out) {
        VideoPix2PixParams p = new VideoPix2PixParams("make it snowy", "", 4, 7.5, 1.5, CHUNK, "euler_ancestral");
        try (NDManager in = NDManager.newBaseManager()) {
            return new VideoPix2PixPipeline(pix2pix).generate(p, in.randomUniform(0, 1, new Shape(FRAMES, 3, 64, 64)),
                    run, out);
        }
    }

    /** Records every event; throws on the {@code stopAt}-th all-frames step (0: never). */
    private static final class Recorder implements GenerationListener {
        final List<StagePlan> plan = new ArrayList<>();
        final List<String> steps = new ArrayList<>();
        final int stopAt;
        int planCalls;

        Recorder(int stopAt) {
            this.stopAt = stopAt;
        }

        @Override
        public void onPlan(List<StagePlan> p) {
            planCalls++;
            plan.addAll(p);
        }

        @Override
        public void onStep(String stage, int step, int total) {
            assertEquals(1, planCalls, "the plan comes first");
            steps.add(stage + " " + step + "/" + total);
            if (stage.equals(DenoisingEngine.ALL_FRAMES) && step == stopAt) {
                throw new GenerationStoppedException(GenerationStoppedException.Reason.CANCELED, "canceled at " + step);
            }
        }
    }

    private static void checkFullRun(BiFunction<GenerationRun, NDManager, NDArray> mode) {
        Recorder r = new Recorder(0);
        try (NDManager out = NDManager.newBaseManager()) {
            mode.apply(GenerationRun.of(new SeededVideoNoise(3), new StageTimer()).withListener(r), out);
        }
        assertTrue(r.plan.size() >= 3, "plan " + r.plan);
        for (GenerationListener.StagePlan s : r.plan) {
            List<String> ofStage = r.steps.stream().filter(x -> x.startsWith(s.stage() + " ")).toList();
            assertEquals(s.units(), ofStage.size(), s.stage() + ": planned units vs steps heard " + r.steps);
            for (int i = 0; i < ofStage.size(); i++) {
                assertEquals(s.stage() + " " + (i + 1) + "/" + s.units(), ofStage.get(i), "cumulative over chunks");
            }
        }
        assertEquals(r.plan.stream().mapToInt(GenerationListener.StagePlan::units).sum(), r.steps.size());
    }

    private static void checkStop(BiFunction<GenerationRun, NDManager, NDArray> mode, int chunkSteps) {
        int before = weights.getManagedArrays().size();
        int stopAt = chunkSteps + 2;                                  // the second step of the second chunk
        Recorder r = new Recorder(stopAt);
        try (NDManager out = NDManager.newBaseManager()) {
            GenerationRun run = GenerationRun.of(new SeededVideoNoise(3), new StageTimer()).withListener(r);
            GenerationStoppedException e = assertThrows(GenerationStoppedException.class, () -> mode.apply(run, out));
            assertSame(GenerationStoppedException.Reason.CANCELED, e.reason());
            assertEquals(DenoisingEngine.ALL_FRAMES + " " + stopAt + "/" + 2 * chunkSteps, r.steps.get(r.steps.size() - 1),
                    "no step after the one that stopped the run: " + r.steps);
            assertEquals(0, out.getManagedArrays().size(), "arrays left on the output manager");
        }
        assertEquals(before, weights.getManagedArrays().size(), "arrays left on the bundle's manager");
    }

    @Test
    void textToVideoReportsEveryStepAndStops() {
        checkFullRun(GenerationStopTest::textToVideo);
        checkStop(GenerationStopTest::textToVideo, 4);               // loop 2 = t1 + 1 steps
    }

    @Test
    void controlVideoReportsEveryStepAndStops() {
        checkFullRun(GenerationStopTest::controlVideo);
        checkStop(GenerationStopTest::controlVideo, 4);
    }

    @Test
    void videoPix2PixReportsEveryStepAndStops() {
        checkFullRun(GenerationStopTest::videoPix2Pix);
        checkStop(GenerationStopTest::videoPix2Pix, 4);
    }
}
