package ai.t2vzero.model.controlnet;

import ai.t2vzero.model.unet.ControlNetOutput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.testing.TensorAssert;
import ai.t2vzero.weights.ModelBundle;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ControlNet options the reference case does not cover: conditioning scale, BGR channel order. */
class ControlNetModelTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    private record Inputs(NDArray sample, NDArray timestep, NDArray text, NDArray image) {}

    private static Inputs inputs(NDManager m, ControlNetConfig c) {
        m.getEngine().setRandomSeed(5);
        return new Inputs(m.randomNormal(0, 1, new Shape(2, c.inChannels(), 8, 8), DataType.FLOAT32),
                m.create(250L),
                m.randomNormal(0, 1, new Shape(2, 77, c.crossAttentionDim()), DataType.FLOAT32),
                m.randomUniform(0, 1, new Shape(2, c.conditioningChannels(), 64, 64), DataType.FLOAT32));
    }

    @Test
    void conditioningScaleMultipliesEveryResidual() {
        try (NDManager m = NDManager.newBaseManager()) {
            ControlNetModel net = ControlNetModel.load(new ModelBundle(Reference.load().model("controlnet")), ".", m,
                    DataType.FLOAT32);
            Inputs in = inputs(m, net.config());
            ControlNetOutput one = net.forward(in.sample(), in.timestep(), in.text(), in.image(), 1f, AttnProcessors.DEFAULT);
            ControlNetOutput half = net.forward(in.sample(), in.timestep(), in.text(), in.image(), 0.5f,
                    AttnProcessors.DEFAULT);
            assertEquals(one.downBlockResSamples().size(), half.downBlockResSamples().size());
            for (int i = 0; i < one.downBlockResSamples().size(); i++) {
                TensorAssert.assertClose("down " + i, half.downBlockResSamples().get(i),
                        one.downBlockResSamples().get(i).mul(0.5f), 0, 0);
            }
            TensorAssert.assertClose("mid", half.midBlockResSample(), one.midBlockResSample().mul(0.5f), 0, 0);
        }
    }

    @Test
    void bgrChannelOrderFlipsTheImage() throws IOException {
        Path rgbDir = Reference.load().model("controlnet");
        Path bgrDir = Files.createTempDirectory(dir, "bgr");
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(rgbDir.resolve("config.json").toFile());
        config.put("controlnet_conditioning_channel_order", "bgr");
        json.writeValue(bgrDir.resolve("config.json").toFile(), config);
        Files.copy(rgbDir.resolve("diffusion_pytorch_model.safetensors"),
                bgrDir.resolve("diffusion_pytorch_model.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            ControlNetModel rgb = ControlNetModel.load(new ModelBundle(rgbDir), ".", m, DataType.FLOAT32);
            ControlNetModel bgr = ControlNetModel.load(new ModelBundle(bgrDir), ".", m, DataType.FLOAT32);
            Inputs in = inputs(m, rgb.config());
            ControlNetOutput a = rgb.forward(in.sample(), in.timestep(), in.text(), in.image().flip(1), 1f,
                    AttnProcessors.DEFAULT);
            ControlNetOutput b = bgr.forward(in.sample(), in.timestep(), in.text(), in.image(), 1f, AttnProcessors.DEFAULT);
            TensorAssert.assertClose("mid", b.midBlockResSample(), a.midBlockResSample(), 0, 0);
        }
    }
}
