package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityCase;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checker of the {@code warp} kind: {@code create_motion_field_and_warp_latents(sx, sy, frame_ids, latents)} ->
 * {@code warped} and the {@code grid} given to grid_sample. Refuses a case whose sampling settings differ from
 * the ones {@link MotionField} implements (so another reference set cannot pass by accident).
 */
public final class MotionFieldParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        JsonNode p = c.params();
        expect(c, p.path("motion_field_size"), String.valueOf(MotionField.SIZE));
        expect(c, p.path("grid_sample").path("mode"), "nearest");
        expect(c, p.path("grid_sample").path("padding_mode"), "reflection");
        expect(c, p.path("grid_sample").path("align_corners"), "false");
        expect(c, p.path("interpolate").path("mode"), "bilinear");
        expect(c, p.path("interpolate").path("align_corners"), "false");
        double sx = p.path("motion_field_strength_x").asDouble();
        double sy = p.path("motion_field_strength_y").asDouble();
        int[] frameIds = new int[p.path("frame_ids").size()];
        for (int i = 0; i < frameIds.length; i++) {
            frameIds[i] = p.path("frame_ids").get(i).asInt();
        }
        NDArray latents = c.tensor("latents", manager); // [N, 4, h, w]
        int h = (int) latents.getShape().get(2);
        int w = (int) latents.getShape().get(3);
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("grid", MotionField.grid(manager, sx, sy, frameIds, h, w));
        out.put("warped", MotionField.createMotionFieldAndWarpLatents(sx, sy, frameIds, latents));
        return out;
    }

    private static void expect(ParityCase c, JsonNode actual, String expected) {
        if (!actual.isMissingNode() && !actual.asText().equals(expected)) {
            throw new AssertionError(c.name() + ": warp parameter " + actual + " differs from the implemented "
                    + expected);
        }
    }
}
