package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.model.controlnet.ControlNetModel;
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
 * {@code pipeline_controlnet_video}: {@link ControlVideoPipeline} on the case's SD bundle, ControlNet and scheduler
 * config, unchunked (one chunk holds every frame, as diffusers runs it). The case's {@code latents} are one noise
 * repeated for every frame: its first frame is replayed as the pipeline's single initial draw (and any further
 * draws of {@code params.noise_order} after it); every intermediate is traced and compared.
 */
public final class ControlVideoPipelineParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager m) throws Exception {
        JsonNode p = c.params();
        if (p.path("guess_mode").asBoolean(false)) {
            throw new AssertionError(c.name() + ": guess_mode is not implemented");
        }
        try (NDManager weights = m.newSubManager()) {
            StableDiffusionModels sd = StableDiffusionModels.load("reference", new ModelBundle(c.modelDir()),
                            ParityPrecision.device(), weights)
                    .withSchedulerConfig(ConfigJson.read(c.reference().resolve(p.path("scheduler_config").asText())
                            .resolve("scheduler_config.json")));
            ControlNetModel controlnet = ControlNetModel.load(
                    new ModelBundle(c.reference().resolve(p.path("controlnet").asText())), ".", weights, ParityPrecision.products());
            int frames = p.path("video_length").asInt();
            ControlVideoParams params = new ControlVideoParams(
                    p.path("prompt").asText(),
                    p.path("negative_prompt").isMissingNode() || p.path("negative_prompt").isNull()
                            ? "" : p.path("negative_prompt").asText(),
                    p.path("num_inference_steps").asInt(), p.path("guidance_scale").asDouble(),
                    p.path("controlnet_conditioning_scale").asDouble(), p.path("eta").asDouble(0.0),
                    Math.max(2, frames), p.path("scheduler").asText());

            NDArray latents = c.tensor("latents", m);                   // [F, C, h, w]: one draw, repeated
            NDArray first = latents.get("0:1");
            if (latents.sub(first).abs().max().getFloat() != 0f) {
                throw new AssertionError(c.name() + ": the case's latents differ between frames; the pipeline starts"
                        + " every frame from one draw");
            }
            List<NDArray> draws = new ArrayList<>();
            draws.add(first);
            for (JsonNode n : p.path("noise_order")) {
                draws.add(c.tensor(n.path("name").asText(), m));
            }
            RecordedNoise recorded = new RecordedNoise(draws);
            RecordingTrace trace = new RecordingTrace(m);
            NDArray control = c.tensor("control_images", m);
            if (control.getShape().get(0) != frames) {
                throw new AssertionError(c.name() + ": " + control.getShape().get(0) + " control images for video_length "
                        + frames);
            }
            new ControlVideoPipeline(sd, controlnet).generate(params, control,
                    new GenerationRun(new RecordedVideoNoise(recorded), new StageTimer(), trace, null, false), m);
            if (recorded.consumed() != recorded.recorded()) {
                throw new AssertionError("pipeline drew " + recorded.consumed() + " noise tensors, the case holds "
                        + recorded.recorded());
            }
            Map<String, NDArray> out = new LinkedHashMap<>();
            NDArray embeds = trace.last("prompt_embeds");              // [2F, L, D]: uncond x F, cond x F
            for (String name : c.outputs()) {
                out.put(name, switch (name) {
                    case "prompt_embeds_uncond" -> embeds.get("0:" + frames);
                    case "prompt_embeds_cond" -> embeds.get(frames + ":");
                    case "step_latents", "step_noise_pred" -> trace.stacked(name);
                    default -> trace.last(name);
                });
            }
            return out;
        }
    }
}
