package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes safetensors files. Tensors are declared first (name, dtype, shape) and then streamed in declaration
 * order by a producer, so that a multi-gigabyte random-weight checkpoint is written without holding it in memory.
 * The file appears atomically (temp file + rename).
 */
public final class SafeTensorsWriter {

    /** A tensor to write: its bytes are produced on demand, little-endian, exactly {@code numel * bpe} of them. */
    public record Entry(String name, String dtype, long[] shape, Consumer<OutputStream> data) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {}

    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            long numel = 1;
            for (long d : e.shape()) {
                numel *= d;
            }
            long len = numel * TensorInfo.bytesPerElement(e.dtype());
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype());
            ArrayNode s = t.putArray("shape");
            for (long d : e.shape()) {
                s.add(d);
            }
            ArrayNode o = t.putArray("data_offsets");
            o.add(offset);
            o.add(offset + len);
            offset += len;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (int) ((json.length + 7) / 8 * 8);
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(json, 0, headerBytes, 0, json.length);

        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (Entry e : entries) {
                    e.data().accept(out);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes NDArrays as they are (float32 -> F32, int64 -> I64, float16 -> F16). */
    public static void write(Path file, Map<String, NDArray> arrays, Map<String, String> metadata) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, NDArray> a : arrays.entrySet()) {
            NDArray arr = a.getValue();
            String dtype = code(arr.getDataType());
            entries.add(new Entry(a.getKey(), dtype, arr.getShape().getShape(), out -> {
                ByteBuffer bb = arr.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                byte[] bytes = new byte[bb.remaining()];
                bb.get(bytes);
                try {
                    out.write(bytes);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }));
        }
        write(file, entries, metadata == null ? new LinkedHashMap<>() : metadata);
    }

    public static String code(DataType dt) {
        return switch (dt) {
            case FLOAT32 -> "F32";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case FLOAT64 -> "F64";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case INT8 -> "I8";
            case UINT8 -> "U8";
            case BOOLEAN -> "BOOL";
            default -> throw new IllegalArgumentException("no safetensors code for " + dt);
        };
    }
}
