package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tensors of one model component (one or more safetensors shards) and the bookkeeping of a strict load:
 * every lookup checks the expected shape, and {@link #verifyComplete()} fails with one message listing every
 * missing key, every shape mismatch and every tensor the model did not use. Tensors are loaded into the given
 * manager (the bundle's long-lived one) in the model dtype.
 *
 * <p>A missing or mismatched tensor gets a zero placeholder so that the model can finish building and the one error
 * lists every problem. Placeholders are bounded ({@link #PLACEHOLDER_BUDGET_BYTES} together): the expected shapes come
 * from the bundle's config.json, so a wrong-architecture bundle (or a config with absurd sizes) would otherwise
 * allocate the whole model, gigabytes of zeros, before failing; past the budget the load fails at once with the
 * problems found so far.
 */
public final class WeightStore implements AutoCloseable {

    private final String component;
    private final List<TensorSource> files;
    /** Whether {@link #close} closes the sources (false for views of a single-file checkpoint the caller owns). */
    private final boolean ownsSources;
    private final Map<String, TensorSource> byKey = new LinkedHashMap<>();
    private final NDManager manager;
    private final DataType dtype;     // tensors as loaded, and the models' activations
    private final DataType products;  // what the linear and conv layers compute in: dtype, or BFLOAT16 (bf16)
    private final TreeSet<String> used = new TreeSet<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> mismatched = new ArrayList<>();
    /** Bytes of zero placeholders handed out for missing / mismatched tensors (see {@link #placeholder}). */
    private long placeholderBytes;
    /** Most bytes of placeholders one store allocates before it stops the load (64 MiB). */
    static final long PLACEHOLDER_BUDGET_BYTES = 64L << 20;

    /** Creates the tensors a model asks for when there is no checkpoint (random-weight bundles); null = strict. */
    private final WeightInit generator;
    private final Map<String, NDArray> generated = new LinkedHashMap<>();

    /** A strict store over weight files: safetensors or PyTorch zip checkpoints (told apart by their content). */
    public WeightStore(String component, List<Path> shards, NDManager manager, DataType dtype) {
        this(component, shards, manager, dtype, null);
    }

    /** A strict store over already opened sources, which stay open (and owned by the caller) after {@link #close}. */
    public static WeightStore over(String component, List<? extends TensorSource> sources, NDManager manager,
                                   DataType dtype) {
        return new WeightStore(component, sources, manager, dtype, false);
    }

    private WeightStore(String component, List<? extends TensorSource> sources, NDManager manager, DataType dtype,
                        boolean ownsSources) {
        this.generator = null;
        this.component = component;
        this.manager = manager;
        this.dtype = activations(dtype);
        this.products = dtype;
        this.ownsSources = ownsSources;
        this.files = new ArrayList<>(sources);
        for (TensorSource f : files) {
            index(f);
        }
    }

    private void index(TensorSource f) {
        for (String k : f.keys()) {
            TensorSource prev = byKey.put(k, f);
            if (prev != null) {
                throw new WeightLoadException(component + ": tensor '" + k + "' appears in both " + prev.describe()
                        + " and " + f.describe());
            }
        }
    }

    /**
     * A store without files that makes every requested tensor with {@code init} and remembers it: building a model
     * on it yields the model's complete key list and shapes, which {@link #generated()} hands to the writer.
     */
    public static WeightStore generating(String component, NDManager manager, DataType dtype, WeightInit init) {
        return new WeightStore(component, List.of(), manager, dtype, init);
    }

    private WeightStore(String component, List<Path> shards, NDManager manager, DataType dtype, WeightInit generator) {
        this.generator = generator;
        this.component = component;
        this.manager = manager;
        this.dtype = activations(dtype);
        this.products = dtype;
        this.ownsSources = true;
        this.files = new ArrayList<>();
        try {
            for (Path p : shards) {
                TensorSource f = TensorSource.open(p);
                files.add(f);
                index(f);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String component() {
        return component;
    }

    public NDManager manager() {
        return manager;
    }

    /** The loaded tensors' and activations' dtype: the requested one, float32 for bfloat16. */
    public DataType dtype() {
        return dtype;
    }

    /**
     * What the linear and convolution layers keep their weights and compute their products in: the requested dtype;
     * for BFLOAT16 ({@code t2v.models.dtype=bf16}) they cast their float32 weights (model.nn.Bfloat16Products).
     */
    public DataType products() {
        return products;
    }

    /** bfloat16 loads as float32 (DJL cannot operate on bfloat16 arrays): only the layers' products are bfloat16. */
    private static DataType activations(DataType requested) {
        return requested == DataType.BFLOAT16 ? DataType.FLOAT32 : requested;
    }

    public WeightScope root() {
        return new WeightScope(this, "");
    }

    boolean contains(String key) {
        return byKey.containsKey(key);
    }

    boolean hasPrefix(String prefix) {
        for (String k : byKey.keySet()) {
            if (k.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Loads {@code key}, checking its shape. Problems are recorded and reported together by verifyComplete. */
    NDArray load(String key, long... expectedShape) {
        TensorSource f = byKey.get(key);
        if (f == null && generator != null) {
            NDArray t = generator.create(key, expectedShape, manager).toType(dtype, false);
            generated.put(key, t);
            // the model gets its own copy: loaders may fold constants into weights in place or free a reshaped
            // original, and what is written must be the checkpoint tensor as generated
            return t.duplicate();
        }
        if (f == null) {
            missing.add(key + " " + Arrays.toString(expectedShape));
            return placeholder(expectedShape);
        }
        used.add(key);
        long[] shape = f.shape(key);
        if (!Arrays.equals(shape, expectedShape)) {
            mismatched.add(key + ": checkpoint has " + Arrays.toString(shape) + ", model expects "
                    + Arrays.toString(expectedShape) + " (" + f.describe() + ")");
            return placeholder(expectedShape);
        }
        return f.load(key, manager, dtype);
    }

    /**
     * Zeros standing in for a missing or mismatched tensor, so that the model can finish building and
     * {@link #verifyComplete} can list every problem; once the placeholders would pass the budget, the load fails
     * now with what was found so far.
     */
    private NDArray placeholder(long[] shape) {
        long bytes;
        try {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, Math.max(d, 0));
            }
            bytes = Math.multiplyExact(n, (long) dtype.getNumOfBytes());
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > PLACEHOLDER_BUDGET_BYTES - placeholderBytes) {
            throw new WeightLoadException(problems(List.of()) + "\n  (stopped early: the checkpoint does not fit the "
                    + "model's config.json; placeholders for its missing and mismatched tensors would take more than "
                    + (PLACEHOLDER_BUDGET_BYTES >> 20) + " MiB)");
        }
        placeholderBytes += bytes;
        return manager.zeros(new Shape(shape), dtype);
    }

    /** Marks keys that a checkpoint may carry but the model has no use for (e.g. CLIP's position_ids buffer). */
    void ignore(String key) {
        if (byKey.containsKey(key)) {
            used.add(key);
        }
    }

    /** The tensors made by a {@link #generating} store, in request order. */
    public Map<String, NDArray> generated() {
        return Collections.unmodifiableMap(generated);
    }

    public void verifyComplete() {
        List<String> unused = new ArrayList<>();
        for (String k : byKey.keySet()) {
            if (!used.contains(k)) {
                unused.add(k);
            }
        }
        if (missing.isEmpty() && mismatched.isEmpty() && unused.isEmpty()) {
            return;
        }
        throw new WeightLoadException(problems(unused));
    }

    /** The one message: the component, its files, and every problem recorded. */
    private String problems(List<String> unused) {
        StringBuilder sb = new StringBuilder();
        sb.append("cannot load ").append(component).append(" from ");
        sb.append(files.isEmpty() ? "(no files)" : files.stream().map(TensorSource::describe).toList());
        sb.append(":");
        appendList(sb, "missing tensors", missing);
        appendList(sb, "shape mismatches", mismatched);
        appendList(sb, "unused tensors", unused);
        return sb.toString();
    }

    private static void appendList(StringBuilder sb, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("\n  ").append(items.size()).append(' ').append(title).append(':');
        int shown = 0;
        for (String s : items) {
            if (shown++ == 20) {
                sb.append("\n    ... and ").append(items.size() - 20).append(" more");
                break;
            }
            sb.append("\n    ").append(s);
        }
    }

    @Override
    public void close() {
        if (!ownsSources) {
            return;
        }
        for (TensorSource f : files) {
            f.close();
        }
    }
}
