package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.pipeline.CrossFrameAttnProcessor;
import ai.t2vzero.testing.CaseChecker;
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
 */
public final class UNet2DConditionModelParity implements CaseChecker {

    static final String MID_RESIDUAL = "mid_block_additional_residual";
    static final String DOWN_RESIDUAL_PREFIX = "down_block_additional_residual_";

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(c.modelDir()), ".", manager,
                DataType.FLOAT32);
        NDArray sample = c.tensor("sample", manager);
        NDArray timestep = c.tensor("timestep", manager);
        NDArray text = c.tensor("encoder_hidden_states", manager);
        ControlNetOutput residuals = residuals(c, manager);
        DebugCapture debug = new DebugCapture(manager, c.params());

        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("noise_pred", unet.forward(sample, timestep, text, processors(c.params()), residuals, debug));
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
