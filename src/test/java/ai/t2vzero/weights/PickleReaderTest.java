package ai.t2vzero.weights;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-assembled pickles: what a state dict never contains is refused by name, before anything is built. */
class PickleReaderTest {

    private static byte[] pickle(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write((Integer) p);
            }
        }
        return out.toByteArray();
    }

    private static Object read(byte[] data) {
        return PickleReader.read(data, "test.pkl", TorchPickle.ALLOWED_GLOBALS,
                new TorchPickle("test.pkl", (key, dtype, numel, type) -> new TorchPickle.StorageRef(key, dtype, numel)));
    }

    private static String refused(byte[] data) {
        return assertThrows(WeightLoadException.class, () -> read(data)).getMessage();
    }

    @Test
    void plainDataIsRead() {
        // {'a': (1, -2, 'x'), 'b': [True, None, 2**70]}
        Object v = read(pickle(0x80, 2, "}q", 0, "(X", 1, 0, 0, 0, "aK", 1, "J", 0xfe, 0xff, 0xff, 0xff, "X", 1, 0, 0, 0,
                "x", 0x87, "X", 1, 0, 0, 0, "b]", "(", 0x88, "N", 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, "eu."));
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(new PickleReader.Tuple(java.util.List.of(1L, -2L, "x")), m.get("a"));
        assertEquals(java.util.List.of(Boolean.TRUE, PickleReader.NONE, java.math.BigInteger.TWO.pow(70)), m.get("b"));
    }

    @Test
    void stackGlobalAndObjectOpcodesAreRefused() {
        assertTrue(refused(pickle(0x80, 4, 0x8c, 5, "posix", 0x8c, 6, "system", 0x93, "N", 0x85, "R.")).contains("STACK_GLOBAL"));
        assertTrue(refused(pickle("(ios\nsystem\n.")).contains("INST"));
        assertTrue(refused(pickle(0x80, 2, "cbuiltins\neval\n.")).contains("builtins.eval"));
    }

    @Test
    void aGlobalLaterInTheFileIsRefusedBeforeEarlierValuesAreBuilt() {
        // a storage record first (would call the resolver), then the gadget: scan() refuses before any resolution
        byte[] data = pickle(0x80, 2, "(X", 7, 0, 0, 0, "storagectorch\nFloatStorage\nX", 1, 0, 0, 0, "0X", 3, 0, 0, 0,
                "cpuK", 4, "tQ0csubprocess\nPopen\n.");
        String msg = assertThrows(WeightLoadException.class, () -> PickleReader.read(data, "t", TorchPickle.ALLOWED_GLOBALS,
                new TorchPickle("t", (k, d, n, t) -> {
                    throw new AssertionError("resolved a storage of a refused file");
                }))).getMessage();
        assertTrue(msg.contains("subprocess.Popen"), msg);
    }

    @Test
    void allowedGlobalsCannotBeCalledForSomethingElse() {
        // REDUCE of a storage type (it is only a persistent_load tag) and BUILD on a list
        assertTrue(refused(pickle(0x80, 2, "ctorch\nFloatStorage\n)R.")).contains("REDUCE calls torch.FloatStorage"));
        assertTrue(refused(pickle(0x80, 2, "]}b.")).contains("BUILD of ArrayList"));
        assertTrue(refused(pickle(0x80, 2, "X", 1, 0, 0, 0, "a)R.")).contains("REDUCE at byte"));
    }

    @Test
    void lengthsPastTheEndAreRefusedWithoutAllocating() {
        assertTrue(refused(pickle(0x80, 2, "X", 0xff, 0xff, 0xff, 0x7f, "ab.")).contains("runs past the end"));
        assertTrue(refused(pickle(0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0xff, ".")).contains("runs past the end"));
        assertTrue(refused(pickle(0x80, 2, "}q")).contains("truncated"));
        assertTrue(refused(pickle(0x80, 2, "h", 5, ".")).contains("never stored"));
    }

    @Test
    void selfReferencingStructuresCannotRecurse() {
        // l = []; t = (l,); l.append(t); {t: 1}: refused as a dict key instead of hashing forever
        String msg = refused(pickle(0x80, 2, "]q", 0, 0x85, "q", 1, "h", 0, "h", 1, "a0}h", 1, "K", 1, "s."));
        assertTrue(msg.contains("unsupported dict key"), msg);
    }

    @Test
    void overlappingViewsCannotAmplifyAFewBytes() {
        // _rebuild_tensor_v2(storage of 4 floats, 0, (10**9,), (0,), False, OrderedDict()): 4 GB from 16 bytes
        byte[] data = pickle(0x80, 2, "ctorch._utils\n_rebuild_tensor_v2\n(", "(X", 7, 0, 0, 0, "storagectorch\nFloatStorage\n",
                "X", 1, 0, 0, 0, "0X", 3, 0, 0, 0, "cpuK", 4, "tQK", 0, "J", 0x00, 0xca, 0x9a, 0x3b, 0x85, "K", 0, 0x85, 0x89,
                "ccollections\nOrderedDict\n)RtR.");
        String msg = refused(data);
        assertTrue(msg.contains("overlapping view"), msg);
    }
}
