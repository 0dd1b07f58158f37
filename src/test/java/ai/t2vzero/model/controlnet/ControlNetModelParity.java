package ai.t2vzero.model.controlnet;

import ai.t2vzero.model.unet.ControlNetOutput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.model.unet.DebugCapture;
import ai.t2vzero.model.unet.UNet2DConditionModelParity;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.weights.ModelBundle;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kind {@code controlnet}: the residuals {@code down_block_res_sample_NN} and {@code mid_block_res_sample} of the
 * case's ControlNet for its sample, timestep, text states and {@code controlnet_cond}, scaled by
 * {@code params.conditioning_scale} (guess_mode must be false), with the case's attention processor (plain unless
 * {@code params.attn_processor} says otherwise).
 */
public final class ControlNetModelParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        JsonNode p = c.params();
        if (p.path("guess_mode").asBoolean(false)) {
            throw new AssertionError("guess_mode is not implemented");
        }
        if (!p.path("conditioning_scale").isNumber()) {
            throw new AssertionError("controlnet case without a numeric params.conditioning_scale");
        }
        ControlNetModel controlnet = ControlNetModel.load(new ModelBundle(c.modelDir()), ".", manager, ParityPrecision.products());
        DebugCapture debug = new DebugCapture(manager, p);
        ControlNetOutput out = controlnet.forward(
                c.tensor("sample", manager),
                c.tensor("timestep", manager),
                c.tensor("encoder_hidden_states", manager),
                c.tensor("controlnet_cond", manager),
                (float) p.get("conditioning_scale").asDouble(),
                UNet2DConditionModelParity.processors(p),
                debug);
        Map<String, NDArray> result = new LinkedHashMap<>();
        List<NDArray> down = out.downBlockResSamples();
        for (int i = 0; i < down.size(); i++) {
            result.put(String.format("down_block_res_sample_%02d", i), down.get(i));
        }
        result.put("mid_block_res_sample", out.midBlockResSample());
        result.putAll(debug.captured());
        return result;
    }
}
