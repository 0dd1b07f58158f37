package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.TokenMerging;
import ai.t2vzero.pipeline.CrossFrameAttnProcessor;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.weights.ModelBundle;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kind {@code unet}: {@code noise_pred} of the case's UNet (model dir from the case) for its sample, timestep and text
 * states, with the attention processor of {@code params.attn_processor} (cross-frame: {@code cross_frame_batch_size}
 * groups) and, when the case has them, ControlNet residuals {@code down_block_additional_residual_NN} +
 * {@code mid_block_additional_residual}. Cross-frame cases also get {@code noise_pred_default_processor}.
 * With {@code params.token_merging} (tomesd's {@code apply_patch} settings), the call runs token merging, replaying
 * tomesd's recorded dst choices {@code tome_rand_idx/<transformer block>}.
 */
public final class UNet2DConditionModelParity implements CaseChecker {

    static final String MID_RESIDUAL = "mid_block_additional_residual";
    static final String DOWN_RESIDUAL_PREFIX = "down_block_additional_residual_";

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(c.modelDir()), ".", manager,
                ParityPrecision.products());
        NDArray sample = c.tensor("sample", manager);
        NDArray timestep = c.tensor("timestep", manager);
        NDArray text = c.tensor("encoder_hidden_states", manager);
        ControlNetOutput residuals = residuals(c, manager);
        DebugCapture debug = new DebugCapture(manager, c.params());

        Map<String, NDArray> out = new LinkedHashMap<>();
        AttnProcessors processors = processors(c.params()).withTokenMerging(tokenMerging(c, manager));
        out.put("noise_pred", unet.forward(sample, timestep, text, processors, residuals, debug));
        if (c.outputs().contains("noise_pred_default_processor")) {
            out.put("noise_pred_default_processor",
                    unet.forward(sample, timestep, text, AttnProcessors.DEFAULT, residuals));
        }
        out.putAll(debug.captured());
        return out;
    }

    /** {@code params.attn_processor}: "AttnProcessor" or "CrossFrameAttnProcessor" (+ cross_frame_batch_size). */
    public static AttnProcessors processors(JsonNode params) {
        String name = params.path("attn_processor").asText("AttnProcessor");
        return switch (name) {
            case "AttnProcessor" -> AttnProcessors.DEFAULT;
            case "CrossFrameAttnProcessor" -> {
                JsonNode b = params.get("cross_frame_batch_size");
                if (b == null || !b.isInt()) {
                    throw new AssertionError("CrossFrameAttnProcessor case without an integer cross_frame_batch_size");
                }
                yield AttnProcessors.all(new CrossFrameAttnProcessor(b.asInt()));
            }
            default -> throw new AssertionError("unknown params.attn_processor '" + name + "'");
        };
    }

    /** {@code params.token_merging} (ratio, max_downsample, sx, sy, use_rand), or off. */
    static TokenMerging tokenMerging(ParityCase c, NDManager manager) {
        JsonNode t = c.params().get("token_merging");
        if (t == null) {
            return TokenMerging.OFF;
        }
        if (!t.path("merge_attn").asBoolean(true) || t.path("merge_crossattn").asBoolean(false)
                || t.path("merge_mlp").asBoolean(false)) {
            throw new AssertionError("token merging other than tomesd's default (self-attention only): " + t);
        }
        return TokenMerging.of(t.path("ratio").asDouble(), t.path("max_downsample").asInt(), t.path("sx").asInt(),
                t.path("sy").asInt(), t.path("use_rand").asBoolean(), (block, cells, cellSize) -> {
                    String name = "tome_rand_idx/" + block;
                    if (!c.inputs().contains(name)) {
                        throw new AssertionError("no recorded dst choice " + name + " (recorded: " + c.inputs() + ")");
                    }
                    long[] draw = c.tensor(name, manager).toLongArray();
                    if (draw.length != cells) {
                        throw new AssertionError(name + " has " + draw.length + " cells, the block asks for " + cells);
                    }
                    return draw;
                });
    }

    private static ControlNetOutput residuals(ParityCase c, NDManager manager) {
        List<String> inputs = c.inputs();
        if (!inputs.contains(MID_RESIDUAL)) {
            return null;
        }
        List<NDArray> down = new ArrayList<>();
        for (int i = 0; inputs.contains(String.format("%s%02d", DOWN_RESIDUAL_PREFIX, i)); i++) {
            down.add(c.tensor(String.format("%s%02d", DOWN_RESIDUAL_PREFIX, i), manager));
        }
        return new ControlNetOutput(down, c.tensor(MID_RESIDUAL, manager));
    }
}
