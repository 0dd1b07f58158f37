package ai.t2vzero.model.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.t2vzero.model.nn.LayerNorm;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.WeightScope;
import ai.t2vzero.weights.WeightStore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * transformers' {@code CLIPTextModel} (its {@code text_model}, a {@code CLIPTextTransformer}): token + position
 * embeddings, {@code num_hidden_layers} pre-norm encoder layers under a causal mask, {@code final_layer_norm}.
 * Stable Diffusion calls it without an attention mask, so padding is hidden only by causality.
 *
 * <p>Legend: N batch, L tokens (<= max_position_embeddings), D hidden size.
 *
 * <p>Stateless: weights live in the manager given to {@link #load}; each {@link #forward} frees its intermediates and
 * returns arrays owned by the input ids' manager.
 */
public final class ClipTextModel {

    private final ClipTextConfig config;
    private final NDArray tokenEmbedding;    // [vocab_size, D]
    private final NDArray positionEmbedding; // [max_position_embeddings, D]
    private final List<ClipEncoderLayer> layers;
    private final LayerNorm finalLayerNorm;

    private ClipTextModel(ClipTextConfig config, NDArray tokenEmbedding, NDArray positionEmbedding,
                          List<ClipEncoderLayer> layers, LayerNorm finalLayerNorm) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.layers = layers;
        this.finalLayerNorm = finalLayerNorm;
    }

    /**
     * Loads {@code <bundle>/<component>} ({@code config.json} + {@code model.safetensors}, checkpoint keys as
     * transformers names them: {@code text_model.embeddings.token_embedding.weight}, ...) into {@code manager} in
     * {@code dtype}. Fails listing every missing, mis-shaped or unused tensor.
     */
    public static ClipTextModel load(ModelBundle bundle, String component, NDManager manager, DataType dtype) {
        ClipTextConfig config = ClipTextConfig.from(bundle.config(component));
        long dim = config.hiddenSize();
        try (WeightStore store = bundle.openStore(component, manager, dtype)) {
            WeightScope textModel = store.root().child("text_model");
            WeightScope embeddings = textModel.child("embeddings");
            NDArray token = embeddings.child("token_embedding").get("weight", config.vocabSize(), dim);
            NDArray position = embeddings.child("position_embedding").get("weight", config.maxPositionEmbeddings(), dim);
            embeddings.ignore("position_ids"); // buffer arange(max_position_embeddings) of older checkpoints
            WeightScope encoderLayers = textModel.child("encoder").child("layers");
            List<ClipEncoderLayer> layers = new ArrayList<>();
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                layers.add(ClipEncoderLayer.load(encoderLayers.child(i), config));
            }
            LayerNorm finalLayerNorm = LayerNorm.load(textModel.child("final_layer_norm"), dim, config.layerNormEps());
            store.verifyComplete();
            return new ClipTextModel(config, token, position, List.copyOf(layers), finalLayerNorm);
        }
    }

    public ClipTextConfig config() {
        return config;
    }

    /** {@code input_ids} [N, L] int64 -> last_hidden_state [N, L, D] and pooler_output [N, D]. */
    public ClipTextOutput forward(NDArray inputIds) {
        return forward(inputIds, (name, tensor) -> {});
    }

    /**
     * As {@link #forward(NDArray)}, also showing each submodule's output to {@code debugTap} under its checkpoint
     * name ({@code text_model.embeddings}, {@code text_model.encoder.layers.<i>}, {@code text_model.final_layer_norm}).
     * The tapped arrays are freed when this returns: a tap that keeps one must copy it out of the scope.
     */
    public ClipTextOutput forward(NDArray inputIds, BiConsumer<String, NDArray> debugTap) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || shape.get(1) > config.maxPositionEmbeddings() || !inputIds.getDataType().isInteger()) {
            throw new IllegalArgumentException("input_ids must be [N, L<=" + config.maxPositionEmbeddings()
                    + "] integers, got " + shape + " " + inputIds.getDataType());
        }
        long N = shape.get(0);
        long L = shape.get(1);
        long D = config.hiddenSize();
        Device device = tokenEmbedding.getDevice();
        NDList out = Scopes.keepAll(() -> {
            NDArray ids = inputIds.getDevice().equals(device) ? inputIds : inputIds.toDevice(device, false);
            // 1. embeddings: token + position
            NDArray hidden = ids.getNDArrayInternal()
                    .embedding(ids, tokenEmbedding, SparseFormat.DENSE).singletonOrThrow(); // [N, L, D]
            hidden.addi(positionEmbedding.get("0:" + L));                                   // + [L, D]
            debugTap.accept("text_model.embeddings", hidden);
            // 2. causal mask: token i attends to tokens 0..i
            NDArray mask = causalMask(ids.getManager(), L, device, tokenEmbedding.getDataType()); // [L, L]
            // 3. encoder
            for (int i = 0; i < layers.size(); i++) {
                NDArray next = layers.get(i).forward(hidden, mask);
                hidden.close();
                hidden = next;
                debugTap.accept("text_model.encoder.layers." + i, hidden);
            }
            // 4. final layer norm
            NDArray last = finalLayerNorm.forward(hidden); // [N, L, D]
            debugTap.accept("text_model.final_layer_norm", last);
            // 5. pool at the first eos of each sequence
            NDArray eosAt = config.legacyPooling()
                    ? ids.argMax(1)                                                   // [N]
                    : ids.eq(config.eosTokenId()).toType(DataType.INT32, false).argMax(1); // [N], 0 if no eos
            NDArray index = eosAt.reshape(N, 1, 1).broadcast(N, 1, D);          // [N, 1, D]
            NDArray pooled = last.gather(index, 1).reshape(N, D);              // [N, D]
            return new NDList(last, pooled);
        });
        return new ClipTextOutput(out.get(0), out.get(1));
    }

    /** [L, L] additive mask: 0 on and below the diagonal, -inf above it. */
    private static NDArray causalMask(NDManager manager, long L, Device device, DataType dtype) {
        int n = Math.toIntExact(L);
        float[] mask = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mask[i * n + j] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray m = manager.create(mask, new Shape(L, L));
        if (!m.getDevice().equals(device)) {
            m = m.toDevice(device, false);
        }
        return dtype == DataType.FLOAT32 ? m : m.toType(dtype, false);
    }
}
