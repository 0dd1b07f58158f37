package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a diffusers-layout VAE folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}) with
 * random weights of any SD-style size, e.g. the full SD 1.5 VAE for timing. Key names follow diffusers'
 * AutoencoderKL state dict, independently of the loader.
 */
final class RandomVaeCheckpoint {

    private RandomVaeCheckpoint() {}

    /** SD 1.5's VAE architecture (https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/vae/config.json). */
    static final List<Integer> SD15_CHANNELS = List.of(128, 256, 512, 512);

    static Path write(Path dir, List<Integer> ch, int layers, int groups, long seed) throws IOException {
        Files.createDirectories(dir);
        String types = String.join(", ", ch.stream().map(c -> "\"X\"").toList());
        String config = """
                {"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": %s,
                 "down_block_types": [%s], "up_block_types": [%s], "in_channels": 3, "out_channels": 3,
                 "latent_channels": 4, "layers_per_block": %d, "norm_num_groups": %d, "sample_size": 512,
                 "scaling_factor": 0.18215, "force_upcast": true}
                """.formatted(ch, types.replace("X", "DownEncoderBlock2D"), types.replace("X", "UpDecoderBlock2D"),
                layers, groups);
        Files.writeString(dir.resolve("config.json"), config);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        int n = ch.size();
        // encoder
        conv(shapes, "encoder.conv_in", 3, ch.get(0), 3);
        long in = ch.get(0);
        for (int i = 0; i < n; i++) {
            long out = ch.get(i);
            for (int j = 0; j < layers; j++) {
                resnet(shapes, "encoder.down_blocks." + i + ".resnets." + j, j == 0 ? in : out, out);
            }
            if (i < n - 1) {
                conv(shapes, "encoder.down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
            }
            in = out;
        }
        long top = ch.get(n - 1);
        mid(shapes, "encoder.mid_block", top);
        norm(shapes, "encoder.conv_norm_out", top);
        conv(shapes, "encoder.conv_out", top, 8, 3);
        conv(shapes, "quant_conv", 8, 8, 1);
        conv(shapes, "post_quant_conv", 4, 4, 1);
        // decoder
        conv(shapes, "decoder.conv_in", 4, top, 3);
        mid(shapes, "decoder.mid_block", top);
        in = top;
        for (int i = 0; i < n; i++) {
            long out = ch.get(n - 1 - i);
            for (int j = 0; j < layers + 1; j++) {
                resnet(shapes, "decoder.up_blocks." + i + ".resnets." + j, j == 0 ? in : out, out);
            }
            if (i < n - 1) {
                conv(shapes, "decoder.up_blocks." + i + ".upsamplers.0.conv", out, out, 3);
            }
            in = out;
        }
        norm(shapes, "decoder.conv_norm_out", ch.get(0));
        conv(shapes, "decoder.conv_out", ch.get(0), 3, 3);

        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed((int) seed);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long[] s = e.getValue();
                long fanIn = 1;
                for (int d = 1; d < s.length; d++) {
                    fanIn *= s[d];
                }
                float std = s.length == 1 ? 0.02f : (float) (1.0 / Math.sqrt(fanIn));
                float mean = e.getKey().endsWith("norm1.weight") || e.getKey().endsWith("norm2.weight")
                        || e.getKey().endsWith("norm.weight") || e.getKey().endsWith("conv_norm_out.weight") ? 1f : 0f;
                arrays.put(e.getKey(), m.randomNormal(mean, std, new Shape(s), DataType.FLOAT32));
            }
            SafeTensorsWriter.write(dir.resolve("diffusion_pytorch_model.safetensors"), arrays, Map.of());
        }
        return dir;
    }

    private static void conv(Map<String, long[]> s, String k, long in, long out, int kernel) {
        s.put(k + ".weight", new long[] {out, in, kernel, kernel});
        s.put(k + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> s, String k, long c) {
        s.put(k + ".weight", new long[] {c});
        s.put(k + ".bias", new long[] {c});
    }

    private static void linear(Map<String, long[]> s, String k, long in, long out) {
        s.put(k + ".weight", new long[] {out, in});
        s.put(k + ".bias", new long[] {out});
    }

    private static void resnet(Map<String, long[]> s, String k, long in, long out) {
        norm(s, k + ".norm1", in);
        conv(s, k + ".conv1", in, out, 3);
        norm(s, k + ".norm2", out);
        conv(s, k + ".conv2", out, out, 3);
        if (in != out) {
            conv(s, k + ".conv_shortcut", in, out, 1);
        }
    }

    private static void mid(Map<String, long[]> s, String k, long c) {
        resnet(s, k + ".resnets.0", c, c);
        norm(s, k + ".attentions.0.group_norm", c);
        for (String p : List.of("to_q", "to_k", "to_v", "to_out.0")) {
            linear(s, k + ".attentions.0." + p, c, c);
        }
        resnet(s, k + ".resnets.1", c, c);
    }
}
