package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.runtime.RecordedNoise;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.testing.RecordingTrace;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.ModelBundle;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pipeline_text2video}: the whole Text2Video-Zero pipeline on the case's bundle with the case's scheduler
 * config, its recorded noise replayed in diffusers' order (unchunked: one chunk holds every frame, as diffusers
 * draws), every intermediate traced and compared.
 */
public final class TextToVideoZeroPipelineParity implements CaseChecker {

    /** Outputs that are one tensor per denoising step, stacked along a new first axis. */
    private static final List<String> PER_STEP = List.of("step_latents", "step_noise_pred");

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager m) throws Exception {
        JsonNode p = c.params();
        try (NDManager weights = m.newSubManager()) {
            // the case's scheduler is the class and options of its scheduler_config folder (params.scheduler only
            // names the folder: dpmpp_karras is DPMSolverMultistepScheduler with use_karras_sigmas in the file)
            ConfigJson schedulerConfig = ConfigJson.read(c.reference().resolve(p.path("scheduler_config").asText())
                    .resolve("scheduler_config.json"));
            StableDiffusionModels sd = StableDiffusionModels.load("reference", new ModelBundle(c.modelDir()),
                            ParityPrecision.device(), weights)
                    .withSchedulerConfig(schedulerConfig);
            int frames = p.path("video_length").asInt();
            TextToVideoParams params = new TextToVideoParams(
                    p.path("prompt").asText(),
                    p.path("negative_prompt").isNull() ? "" : p.path("negative_prompt").asText(),
                    "reference", frames, p.path("height").asInt(), p.path("width").asInt(),
                    p.path("num_inference_steps").asInt(), p.path("guidance_scale").asDouble(),
                    p.path("motion_field_strength_x").asDouble(), p.path("motion_field_strength_y").asDouble(),
                    // the case's t0/t1 are indices into its own schedule (derived ones included)
                    p.path("t0").asInt(), p.path("t1").asInt(), p.path("num_inference_steps").asInt(),
                    p.path("eta").asDouble(), Math.max(2, frames),
                    p.path("seed").asLong(),
                    TextToVideoParams.SchedulerName.forClass(schedulerConfig.getString("_class_name")).orElseThrow(),
                    ai.t2vzero.video.VideoFormat.MP4, 4);
            int[] frameIds = null;
            if (p.path("frame_ids").isArray()) {
                frameIds = new int[frames];
                for (int i = 0; i < frames; i++) {
                    frameIds[i] = p.path("frame_ids").get(i).asInt();
                }
            }
            List<NDArray> draws = new ArrayList<>();
            for (JsonNode n : p.path("noise_order")) {
                draws.add(c.tensor(n.path("name").asText(), m));
            }
            RecordedNoise recorded = new RecordedNoise(draws);
            RecordingTrace trace = new RecordingTrace(m);
            boolean latentOnly = "latent".equals(p.path("output_type").asText());
            new TextToVideoZeroPipeline(sd).generate(params,
                    new GenerationRun(new RecordedVideoNoise(recorded), new StageTimer(), trace, frameIds, latentOnly), m);
            if (recorded.consumed() != recorded.recorded()) {
                throw new AssertionError("pipeline drew " + recorded.consumed() + " noise tensors, the reference recorded "
                        + recorded.recorded());
            }
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : c.outputs()) {
                NDArray expected = c.tensor(name, m);
                // a loop without steps (e.g. 12 steps with t1 = 11: loop 0 is empty) traces nothing; the reference
                // holds [0, F, C, h, w] for it
                out.put(name, trace.count(name) == 0 && expected.size() == 0 ? expected : output(name, trace));
            }
            return out;
        }
    }

    private static NDArray output(String name, RecordingTrace trace) {
        switch (name) {
            case "prompt_embeds_uncond":
                return trace.last("prompt_embeds").get("0:1");
            case "prompt_embeds_cond":
                return trace.last("prompt_embeds").get("1:2");
            default:
                for (String suffix : PER_STEP) {
                    if (name.endsWith("_" + suffix)) {
                        return trace.stacked(name);
                    }
                }
                return trace.last(name);
        }
    }
}
