package ai.t2vzero.model.vae;

import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoencoderKLConfigTest {

    private static ObjectNode referenceConfig() {
        ConfigJson c = ConfigJson.read(Reference.load().model("sd15").resolve("vae/config.json"));
        return ((ObjectNode) c.node()).deepCopy();
    }

    private static AutoencoderKLConfig read(ObjectNode n) {
        return AutoencoderKLConfig.read(new ConfigJson(n, "test/config.json"));
    }

    @Test
    void readsTheBundleConfig() {
        ObjectNode n = referenceConfig();
        AutoencoderKLConfig cfg = read(n);
        assertEquals(n.get("scaling_factor").doubleValue(), cfg.scalingFactor());
        assertEquals(n.get("block_out_channels").size(), cfg.numBlocks());
        assertEquals(1 << (cfg.numBlocks() - 1), cfg.vaeScaleFactor());
        assertEquals(n.get("latent_channels").intValue(), cfg.latentChannels());
        // keys absent from diffusers 0.27 configs default to the SD 1.x architecture
        assertTrue(cfg.useQuantConv());
        assertTrue(cfg.usePostQuantConv());
        assertTrue(cfg.midBlockAddAttention());
    }

    @Test
    void scalingFactorComesFromTheConfig() {
        ObjectNode n = referenceConfig().put("scaling_factor", 0.13025);
        assertEquals(0.13025, read(n).scalingFactor());
        n.remove("scaling_factor");
        assertThrows(WeightLoadException.class, () -> read(n));
    }

    @Test
    void refusesWhatIsNotImplemented() {
        for (ObjectNode bad : List.of(
                referenceConfig().put("act_fn", "gelu"),
                referenceConfig().put("_class_name", "AutoencoderTiny"),
                referenceConfig().put("shift_factor", 0.1159),
                (ObjectNode) referenceConfig().set("latents_mean", new ObjectMapper().createArrayNode().add(0.1)),
                (ObjectNode) referenceConfig().set("down_block_types",
                        new ObjectMapper().createArrayNode().add("DownBlock2D").add("DownEncoderBlock2D")
                                .add("DownEncoderBlock2D").add("DownEncoderBlock2D")),
                referenceConfig().put("norm_num_groups", 7))) {
            WeightLoadException e = assertThrows(WeightLoadException.class, () -> read(bad));
            assertTrue(e.getMessage().contains("test/config.json"), e.getMessage());
        }
    }
}
