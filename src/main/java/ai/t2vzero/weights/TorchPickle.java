package ai.t2vzero.weights;

import ai.djl.ndarray.types.DataType;
import ai.t2vzero.weights.PickleReader.Global;
import ai.t2vzero.weights.PickleReader.Tuple;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The meaning of the few globals a {@code torch.save} state dict uses, for {@link PickleReader}: storages
 * ({@code persistent_load} records {@code ('storage', torch.FloatStorage, '<key>', 'cpu', numel)}, one object per
 * key so shared storages stay shared), tensors ({@code torch._utils._rebuild_tensor_v2(storage, offset, size,
 * stride, requires_grad, backward_hooks[, metadata])}, kept as lazy {@link TensorRef}s), parameters
 * ({@code _rebuild_parameter(tensor, requires_grad, hooks)} = the tensor) and {@code collections.OrderedDict}
 * (with BUILD of its attribute dict, e.g. {@code _metadata}). Anything else is refused, naming it.
 */
final class TorchPickle implements PickleReader.Semantics {

    /** The storage types of torch.save by dtype (little-endian on disk). */
    private static final Map<String, DataType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DataType.FLOAT32,
            "torch.HalfStorage", DataType.FLOAT16,
            "torch.BFloat16Storage", DataType.BFLOAT16,
            "torch.LongStorage", DataType.INT64,
            "torch.IntStorage", DataType.INT32);

    private static final String ORDERED_DICT = "collections.OrderedDict";
    private static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
    private static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";

    static final Set<String> ALLOWED_GLOBALS = Set.of(ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER,
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.LongStorage", "torch.IntStorage");

    /** One storage of the archive: {@code data/<key>} holding {@code numel} elements of {@code dtype}. */
    record StorageRef(String key, DataType dtype, long numel) {
    }

    /** A tensor as torch rebuilds it: a strided view of a storage. Shapes and strides are in elements. */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
        long numel() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        /** C-order contiguity (dimensions of size 1 may have any stride, as torch allows). */
        boolean contiguous() {
            long expected = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] != 1 && stride[i] != expected) {
                    return false;
                }
                expected *= shape[i];
            }
            return true;
        }

        @Override
        public String toString() {
            return storage.dtype() + Arrays.toString(shape) + " stride " + Arrays.toString(stride) + " at "
                    + offset + " of storage '" + storage.key() + "'";
        }
    }

    /** Resolves a storage key to its checked entry (the archive checks the declared size against the entry). */
    interface StorageResolver {
        StorageRef storage(String key, DataType dtype, long numel, String storageType);
    }

    private final String source;
    private final StorageResolver resolver;
    private final Map<String, StorageRef> storages = new HashMap<>();

    TorchPickle(String source, StorageResolver resolver) {
        this.source = source;
        this.resolver = resolver;
    }

    @Override
    public Object persistentLoad(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof Global type) || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel)) {
            throw refused("persistent id (" + PickleReader.typeName(pid) + ") is not a torch storage record ('storage', type,"
                    + " key, location, numel)");
        }
        DataType dtype = STORAGE_TYPES.get(type.qualified());
        if (dtype == null) {
            throw refused("storage type " + type + " is not supported (float32, float16, bfloat16, int64, int32 only)");
        }
        if (numel < 0) {
            throw refused("storage '" + key + "' declares " + numel + " elements");
        }
        StorageRef s = storages.get(key);
        if (s != null) {
            if (s.dtype() != dtype || s.numel() != numel) {
                throw refused("storage '" + key + "' is declared twice with different types or sizes");
            }
            return s;
        }
        s = resolver.storage(key, dtype, numel, type.qualified());
        storages.put(key, s);
        return s;
    }

    @Override
    public Object reduce(Global callable, Tuple args) {
        switch (callable.qualified()) {
            case ORDERED_DICT -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof List<?> || p instanceof Tuple)) {
                            throw refused("OrderedDict item " + PickleReader.typeName(p) + " is not a pair");
                        }
                        List<?> kv = p instanceof Tuple t ? t.items() : (List<?>) p;
                        if (kv.size() != 2) {
                            throw refused("OrderedDict item of " + kv.size() + " values");
                        }
                        if (!(kv.get(0) instanceof String || kv.get(0) instanceof Long)) {
                            throw refused("OrderedDict key " + PickleReader.typeName(kv.get(0)));
                        }
                        m.put(kv.get(0), kv.get(1));
                    }
                } else if (args.size() != 0) {
                    throw refused("OrderedDict called with " + args.size() + " unexpected arguments");
                }
                return m;
            }
            case REBUILD_TENSOR -> {
                return tensor(args);
            }
            case REBUILD_PARAMETER -> {
                if (args.size() < 1 || !(args.get(0) instanceof TensorRef t)) {
                    throw refused(REBUILD_PARAMETER + " of " + (args.size() < 1 ? "nothing" : PickleReader.typeName(args.get(0))));
                }
                return t;
            }
            default -> throw refused("REDUCE calls " + callable + ", which a state dict never calls");
        }
    }

    private TensorRef tensor(Tuple a) {
        if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof StorageRef storage) || !(a.get(1) instanceof Long offset)
                || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride) || !(a.get(4) instanceof Boolean)
                || !(a.get(5) instanceof Map<?, ?> hooks)) {
            throw refused(REBUILD_TENSOR + " called with unexpected arguments " + describe(a));
        }
        if (!hooks.isEmpty()) {
            throw refused("a tensor with backward hooks");
        }
        if (a.size() == 7 && a.get(6) != PickleReader.NONE && !(a.get(6) instanceof Map<?, ?> meta && meta.isEmpty())) {
            throw refused("a tensor with metadata " + PickleReader.typeName(a.get(6)));
        }
        long[] shape = longs(size, "size");
        long[] strides = longs(stride, "stride");
        if (shape.length != strides.length) {
            throw refused("a tensor with " + shape.length + " sizes but " + strides.length + " strides");
        }
        TensorRef t = new TensorRef(storage, offset, shape, strides);
        checkInside(t);
        return t;
    }

    /** The last element the view reaches must lie inside its storage: an offset or stride past the data is refused. */
    private void checkInside(TensorRef t) {
        if (t.offset() < 0) {
            throw refused("a tensor with negative storage offset " + t.offset());
        }
        long numel;
        long last = t.offset();
        try {
            numel = t.numel();
            for (int i = 0; i < t.shape().length; i++) {
                if (t.shape()[i] < 0 || t.stride()[i] < 0) {
                    throw refused("a tensor with negative size or stride: " + t);
                }
                if (t.shape()[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw refused("a tensor whose size overflows 64 bits: " + t);
        }
        if (numel > t.storage().numel()) {
            // only overlapping views (stride 0, as_strided) have more elements than their storage: reading one would
            // turn a few bytes of file into an allocation of any size
            throw refused("tensor " + t + " has " + numel + " elements over a storage of " + t.storage().numel()
                    + " (an overlapping view), which a state dict of weights never holds");
        }
        if (numel > 0 && last >= t.storage().numel()) {
            throw refused("tensor " + t + " reaches element " + last + " but the storage has only " + t.storage().numel()
                    + " elements (offset or size past its data)");
        }
    }

    private long[] longs(Tuple t, String what) {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) {
                throw refused("a tensor " + what + " holds " + PickleReader.typeName(t.get(i)));
            }
            out[i] = v;
        }
        return out;
    }

    @Override
    public void build(Object target, Object state) {
        // OrderedDict.__reduce__ pickles the instance __dict__ (state_dict()'s `_metadata`) as BUILD state: kept out
        if (target instanceof Map<?, ?> && state instanceof Map<?, ?>) {
            return;
        }
        throw refused("BUILD of " + PickleReader.typeName(target) + " with " + PickleReader.typeName(state)
                + " state, which a state dict never contains");
    }

    private static String describe(Tuple a) {
        StringBuilder sb = new StringBuilder("(");
        for (Object o : a.items()) {
            sb.append(sb.length() > 1 ? ", " : "").append(PickleReader.typeName(o));
        }
        return sb.append(')').toString();
    }

    private WeightLoadException refused(String why) {
        return new WeightLoadException("refused " + source + ": " + why);
    }
}
