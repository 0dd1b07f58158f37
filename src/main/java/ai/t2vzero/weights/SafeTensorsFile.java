package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file: 8-byte little-endian header length N, N bytes of JSON, then raw little-endian tensors.
 * The header is validated completely when the file is opened (sizes, offsets inside the file, no overlap), so a
 * corrupt or truncated file fails here with a message naming the file, never later in native code. Tensor data
 * is memory-mapped one tensor at a time: a 4 GB checkpoint never passes through the Java heap.
 */
public final class SafeTensorsFile implements TensorSource {

    private static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new WeightLoadException("cannot open safetensors file " + path + ": " + e.getMessage(), e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafeTensorsFile parse(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) {
                throw corrupt(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
                throw corrupt(path, "header length " + n + " is impossible for a file of " + size + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw corrupt(path, "header is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (header == null || !header.isObject()) {
                throw corrupt(path, "header is not a JSON object");
            }
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataLen));
            }
            checkNoOverlap(path, tensors);
            return new SafeTensorsFile(path, ch, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(meta));
        } catch (IOException e) {
            throw new WeightLoadException("cannot read safetensors file " + path + ": " + e.getMessage(), e);
        }
    }

    private static TensorInfo entry(Path path, String name, JsonNode v, long dataLen) {
        JsonNode dt = v.get("dtype");
        JsonNode shp = v.get("shape");
        JsonNode off = v.get("data_offsets");
        if (dt == null || shp == null || off == null || !shp.isArray() || !off.isArray() || off.size() != 2) {
            throw corrupt(path, "tensor '" + name + "' has an incomplete header entry " + v);
        }
        String dtype = dt.asText();
        int bpe = TensorInfo.bytesPerElement(dtype);
        if (bpe < 0) {
            throw corrupt(path, "tensor '" + name + "' has unknown dtype " + dtype);
        }
        long[] shape = new long[shp.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shp.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw corrupt(path, "tensor '" + name + "' has a negative dimension");
            }
            numel = Math.multiplyExact(numel, shape[i]);
        }
        long begin = off.get(0).asLong(-1);
        long end = off.get(1).asLong(-1);
        if (begin < 0 || end < begin || end - begin != numel * bpe) {
            throw corrupt(path, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] but needs "
                    + numel * bpe + " bytes for " + dtype + java.util.Arrays.toString(shape));
        }
        if (end > dataLen) {
            throw corrupt(path, "tensor '" + name + "' ends at byte " + end + " of the data section but the file has only "
                    + dataLen + " data bytes (truncated file?)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw corrupt(path, "tensors '" + a.name() + "' and '" + b.name() + "' overlap");
            }
        }
    }

    private static WeightLoadException corrupt(Path path, String why) {
        return new WeightLoadException("corrupt safetensors file " + path + ": " + why);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new WeightLoadException("tensor '" + name + "' not found in " + path);
        }
        return t;
    }

    /** The tensor in its stored dtype, on the manager's device (CPU memory is copied out of the mapping). */
    public NDArray load(String name, NDManager manager) {
        return load(name, manager, null);
    }

    /** The tensor converted to {@code dtype} (floating tensors only; integer tensors keep their type; null = stored). */
    @Override
    public NDArray load(String name, NDManager manager, DataType dtype) {
        TensorInfo t = info(name);
        DataType dt = DataType.fromSafetensors(t.dtype());
        long len = t.end() - t.begin();
        if (len == 0) {
            return HostTensors.create(ByteBuffer.allocate(0), t.shape(), dt, manager, dtype);
        }
        if (len > Integer.MAX_VALUE) {
            throw new WeightLoadException("tensor '" + name + "' in " + path + " is larger than 2 GiB");
        }
        ByteBuffer mapped = null;
        try {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), len);
            return HostTensors.create(mapped, t.shape(), dt, manager, dtype);
        } catch (IOException e) {
            throw new WeightLoadException("cannot read tensor '" + name + "' from " + path + ": " + e.getMessage(), e);
        } finally {
            // unmap now, not at some later GC: otherwise every touched page of a 4 GB checkpoint stays resident
            // next to its copy until the buffers are collected
            if (mapped != null) {
                BufferRelease.release(mapped);
            }
        }
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public java.util.Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public long[] shape(String key) {
        return info(key).shape();
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
