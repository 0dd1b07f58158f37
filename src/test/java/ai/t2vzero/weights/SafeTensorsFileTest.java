package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips through our writer and reader, and the reader's refusal of every kind of broken file. */
class SafeTensorsFileTest {

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsValuesShapesAndDtypes() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("a.weight", m.arange(24f).reshape(2, 3, 4));
            arrays.put("ids", m.create(new long[]{49406, 1, 49407}));
            arrays.put("scalar", m.create(3.5f));
            Path f = dir.resolve("x.safetensors");
            SafeTensorsWriter.write(f, arrays, Map.of("kind", "test"));
            assertEquals(0, (8 + headerLength(f)) % 8, "header padded to 8 bytes");
            try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
                assertEquals("test", st.metadata().get("kind"));
                assertArrayEquals(new long[]{2, 3, 4}, st.info("a.weight").shape());
                assertArrayEquals(arrays.get("a.weight").toFloatArray(), st.load("a.weight", m).toFloatArray());
                assertArrayEquals(new long[]{49406, 1, 49407}, st.load("ids", m).toLongArray());
                NDArray s = st.load("scalar", m);
                assertEquals(new Shape(), s.getShape());
                assertEquals(3.5f, s.getFloat());
                NDArray half = st.load("a.weight", m, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType());
            }
        }
    }

    @Test
    void readsF16AndBf16Files() throws IOException {
        // bf16 of 1.5 is 0x3FC0, f16 of 1.5 is 0x3E00 (little-endian on disk)
        Path f = dir.resolve("half.safetensors");
        write(f, "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}", new byte[]{0x00, 0x3E, (byte) 0xC0, 0x3F});
        try (SafeTensorsFile st = SafeTensorsFile.open(f); NDManager m = NDManager.newBaseManager()) {
            assertEquals(1.5f, st.load("h", m, DataType.FLOAT32).getFloat());
            assertEquals(1.5f, st.load("b", m, DataType.FLOAT32).getFloat());
        }
    }

    @Test
    void truncatedFileIsRefusedWithTheTensorNamed() throws IOException {
        Path good = dir.resolve("good.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensorsWriter.write(good, Map.of("w", m.ones(new Shape(16, 16))), null);
        }
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> SafeTensorsFile.open(cut));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void brokenHeadersAreRefused() throws IOException {
        assertCorrupt(new byte[]{1, 2, 3}, "shorter than the 8-byte header length");
        assertCorrupt(rawFile(Long.MAX_VALUE, new byte[0]), "impossible");
        assertCorrupt(file("{not json", new byte[0]), "not valid JSON");
        assertCorrupt(file("[1,2]", new byte[0]), "not a JSON object");
        assertCorrupt(file("{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "unknown dtype Q7");
        assertCorrupt(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]), "needs 8 bytes");
        assertCorrupt(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "incomplete header entry");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap");
    }

    @Test
    void missingFileIsAClearError() {
        WeightLoadException e = assertThrows(WeightLoadException.class,
                () -> SafeTensorsFile.open(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("nope.safetensors"), e.getMessage());
    }

    private void assertCorrupt(byte[] content, String expected) throws IOException {
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(f, content);
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> SafeTensorsFile.open(f));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains("corrupt safetensors file"), e.getMessage());
    }

    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawFile(h.length, concat(h, data));
    }

    private static byte[] rawFile(long headerLength, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(rest);
        return b.array();
    }

    private static void write(Path f, String header, byte[] data) throws IOException {
        Files.write(f, file(header, data));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static long headerLength(Path f) throws IOException {
        byte[] b = Arrays.copyOf(Files.readAllBytes(f), 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
