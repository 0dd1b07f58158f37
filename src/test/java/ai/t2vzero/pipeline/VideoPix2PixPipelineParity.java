package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.model.clip.ClipTextModel;
import ai.t2vzero.model.clip.ClipTokenizer;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.model.vae.AutoencoderKL;
import ai.t2vzero.runtime.RecordedNoise;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.testing.RecordingTrace;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.ModelBundle;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pipeline_pix2pix_video}: {@link VideoPix2PixPipeline} on the case's SD bundle with its InstructPix2Pix UNet
 * ({@code params.unet}) and scheduler config, unchunked (one chunk holds every frame, as diffusers runs it), the
 * recorded noise replayed in diffusers' order, every intermediate traced and compared.
 */
public final class VideoPix2PixPipelineParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager m) throws Exception {
        JsonNode p = c.params();
        try (NDManager weights = m.newSubManager()) {
            StableDiffusionModels sd = load(c, p, weights);
            int frames = p.path("video_length").asInt();
            VideoPix2PixParams params = new VideoPix2PixParams(
                    p.path("prompt").asText(),
                    p.path("negative_prompt").isMissingNode() || p.path("negative_prompt").isNull()
                            ? "" : p.path("negative_prompt").asText(),
                    p.path("num_inference_steps").asInt(), p.path("guidance_scale").asDouble(),
                    p.path("image_guidance_scale").asDouble(), Math.max(2, frames), p.path("scheduler").asText());
            List<NDArray> draws = new ArrayList<>();
            for (JsonNode n : p.path("noise_order")) {
                draws.add(c.tensor(n.path("name").asText(), m));
            }
            RecordedNoise recorded = new RecordedNoise(draws);
            RecordingTrace trace = new RecordingTrace(m);
            NDArray video = c.tensor("video", m);
            if (video.getShape().get(0) != frames) {
                throw new AssertionError(c.name() + ": " + video.getShape().get(0) + " frames for video_length " + frames);
            }
            new VideoPix2PixPipeline(sd).generate(params, video,
                    new GenerationRun(new RecordedVideoNoise(recorded), new StageTimer(), trace, null, false), m);
            if (recorded.consumed() != recorded.recorded()) {
                throw new AssertionError("pipeline drew " + recorded.consumed() + " noise tensors, the reference recorded "
                        + recorded.recorded());
            }
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : c.outputs()) {
                out.put(name, name.equals("step_latents") || name.equals("step_noise_pred")
                        ? trace.stacked(name) : trace.last(name));
            }
            return out;
        }
    }

    /** The SD bundle's tokenizer, text encoder and VAE with the 8-channel UNet of {@code params.unet}. */
    private static StableDiffusionModels load(ParityCase c, JsonNode p, NDManager weights) {
        ModelBundle bundle = new ModelBundle(c.modelDir());
        Path unetDir = c.reference().resolve(p.path("unet").asText());
        UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(unetDir.getParent()),
                unetDir.getFileName().toString(), weights, ParityPrecision.products());
        ConfigJson scheduler = ConfigJson.read(c.reference().resolve(p.path("scheduler_config").asText())
                .resolve("scheduler_config.json"));
        return new StableDiffusionModels("reference", ClipTokenizer.load(bundle.dir("tokenizer")),
                ClipTextModel.load(bundle, "text_encoder", weights, ParityPrecision.products()), unet,
                AutoencoderKL.load(bundle, "vae", weights, ParityPrecision.products()), scheduler,
                new ModelBundle(unetDir.getParent()).config(unetDir.getFileName().toString()).getInt("sample_size", 64),
                ParityPrecision.device(), weights);
    }
}
