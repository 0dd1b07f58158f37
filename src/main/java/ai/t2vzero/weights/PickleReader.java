package ai.t2vzero.weights;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for data, never code: the binary opcodes of pickle protocol 2 (what {@code torch.save} writes)
 * plus the plain-data opcodes of protocols 3 and 4, executed by a small stack machine that builds Java values
 * (Long, BigInteger, Double, String, byte[], Boolean, {@link #NONE}, {@link Tuple}, List, LinkedHashMap).
 *
 * <p>Nothing named in the file is ever looked up or called: a {@code GLOBAL} only yields a {@link Global} marker,
 * and only names in the caller's allow-list are accepted. Before any value is built, {@link #read} walks every
 * opcode once and refuses, naming it, any opcode outside the supported set (INST, OBJ, NEWOBJ, STACK_GLOBAL, EXT*,
 * text-mode PERSID, sets, out-of-band buffers, ...) and any GLOBAL outside the allow-list ({@code posix.system},
 * {@code builtins.eval}, ...). What REDUCE, BUILD and persistent ids mean is decided by the caller's
 * {@link Semantics}, which refuses anything it does not expect. Every length is checked against the bytes left
 * before anything is allocated.
 */
final class PickleReader {

    /** Python's None (a Java null cannot sit in the stack or in maps). */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A reference to a global allowed by the caller, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }

        @Override
        public String toString() {
            return qualified();
        }
    }

    /** A pickle tuple (immutable; usable as a dict key). */
    record Tuple(List<Object> items) {
        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** What the caller lets REDUCE, BUILD and persistent ids do; each method refuses what it does not expect. */
    interface Semantics {
        Object persistentLoad(Object pid);

        Object reduce(Global callable, Tuple args);

        void build(Object target, Object state);
    }

    private static final int MAX_DEPTH = 10_000;

    private final byte[] data;
    private final String source;
    private final Set<String> allowedGlobals;
    private int pos;

    private PickleReader(byte[] data, String source, Set<String> allowedGlobals) {
        this.data = data;
        this.source = source;
        this.allowedGlobals = allowedGlobals;
    }

    /** Checks every opcode and global of {@code data}, then builds and returns the pickled value. */
    static Object read(byte[] data, String source, Set<String> allowedGlobals, Semantics semantics) {
        PickleReader r = new PickleReader(data, source, allowedGlobals);
        r.scan();
        r.pos = 0;
        return r.execute(semantics);
    }

    // ---- pass 1: opcodes and globals only, nothing built

    private void scan() {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case '.' -> {
                    return;
                }
                case 0x80, 'K', 'h', 'q' -> skip(1);                   // PROTO, BININT1, BINGET, BINPUT
                case 'M' -> skip(2);                                   // BININT2
                case 'J', 'j', 'r' -> skip(4);                         // BININT, LONG_BINGET, LONG_BINPUT
                case 'G', 0x95 -> skip(8);                             // BINFLOAT, FRAME
                case 0x8a -> skip(u8());                               // LONG1
                case 0x8b, 'T', 'X', 'B' -> skip(len4());              // LONG4, BINSTRING, BINUNICODE, BINBYTES
                case 'U', 'C', 0x8c -> skip(u8());                     // SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE
                case 0x8d, 0x8e -> skip(len8());                       // BINUNICODE8, BINBYTES8
                case 'c' -> {                                          // GLOBAL module\nname\n
                    String module = line();
                    String name = line();
                    if (!allowedGlobals.contains(module + "." + name)) {
                        throw refused("the pickle imports " + module + "." + name + " (GLOBAL at byte " + at
                                + "); a state dict saved by torch.save only uses " + new java.util.TreeSet<>(allowedGlobals)
                                + ", so this file is not a plain state dict (possibly malicious). It was not executed");
                    }
                }
                case '(', '0', '1', '2', 'N', 0x88, 0x89, ')', 't', 0x85, 0x86, 0x87, ']', 'a', 'e', 'l', '}', 'd',
                        's', 'u', 'R', 'b', 'Q', 0x94 -> {
                    // no argument bytes
                }
                default -> throw refused("opcode " + opcodeName(op) + " at byte " + at
                        + " is not used by torch.save state dicts; the file was not executed");
            }
        }
    }

    // ---- pass 2: build values

    private Object execute(Semantics sem) {
        List<Object> stack = new ArrayList<>();
        List<Integer> marks = new ArrayList<>();
        Map<Long, Object> memo = new HashMap<>();
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> {
                    int proto = u8();
                    if (proto > 5) {
                        throw refused("pickle protocol " + proto + " is not supported");
                    }
                }
                case 0x95 -> skip(8);
                case '.' -> {
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw corrupt("STOP with " + stack.size() + " values on the stack");
                    }
                    return stack.get(0);
                }
                case '(' -> {
                    if (marks.size() >= MAX_DEPTH) {
                        throw corrupt("nesting deeper than " + MAX_DEPTH);
                    }
                    marks.add(stack.size());
                }
                case '0' -> pop(stack, marks);
                case '1' -> popMark(stack, marks);
                case '2' -> stack.add(peek(stack, marks));
                case 'N' -> stack.add(NONE);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'J' -> stack.add((long) i32());
                case 'K' -> stack.add((long) u8());
                case 'M' -> stack.add((long) (u8() | (u8() << 8)));
                case 0x8a -> stack.add(longLe(u8()));
                case 0x8b -> stack.add(longLe(len4()));
                case 'G' -> stack.add(Double.longBitsToDouble(i64Be()));
                case 'T', 'B' -> stack.add(bytes(len4()));
                case 'U', 'C' -> stack.add(bytes(u8()));
                case 0x8e -> stack.add(bytes(len8()));
                case 'X' -> stack.add(new String(bytes(len4()), StandardCharsets.UTF_8));
                case 0x8c -> stack.add(new String(bytes(u8()), StandardCharsets.UTF_8));
                case 0x8d -> stack.add(new String(bytes(len8()), StandardCharsets.UTF_8));
                case ')' -> stack.add(new Tuple(List.of()));
                case 't' -> stack.add(tuple(popMark(stack, marks)));
                case 0x85, 0x86, 0x87 -> {
                    int n = op - 0x84;
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        items.add(0, pop(stack, marks));
                    }
                    stack.add(tuple(items));
                }
                case ']' -> stack.add(new ArrayList<>());
                case 'l' -> stack.add(new ArrayList<>(popMark(stack, marks)));
                case 'a' -> {
                    Object v = pop(stack, marks);
                    list(peek(stack, marks), at).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark(stack, marks);
                    list(peek(stack, marks), at).addAll(items);
                }
                case '}' -> stack.add(new LinkedHashMap<>());
                case 'd' -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, popMark(stack, marks), at);
                    stack.add(m);
                }
                case 's' -> {
                    Object v = pop(stack, marks);
                    Object k = checkKey(pop(stack, marks), at);
                    dict(peek(stack, marks), at).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark(stack, marks);
                    putAll(dict(peek(stack, marks), at), items, at);
                }
                case 'c' -> stack.add(new Global(line(), line()));      // allowed: checked by scan()
                case 'R' -> {
                    Object args = pop(stack, marks);
                    Object callable = pop(stack, marks);
                    if (!(callable instanceof Global g)) {
                        throw refused("REDUCE at byte " + at + " calls a " + typeName(callable) + ", not a known function");
                    }
                    if (!(args instanceof Tuple t)) {
                        throw corrupt("REDUCE at byte " + at + " of " + g + " has " + typeName(args) + " arguments");
                    }
                    stack.add(sem.reduce(g, t));
                }
                case 'b' -> {
                    Object state = pop(stack, marks);
                    sem.build(peek(stack, marks), state);
                }
                case 'Q' -> stack.add(sem.persistentLoad(pop(stack, marks)));
                case 'h' -> stack.add(memoGet(memo, u8(), at));
                case 'j' -> stack.add(memoGet(memo, u32(), at));
                case 'q' -> memo.put((long) u8(), peek(stack, marks));
                case 'r' -> memo.put(u32(), peek(stack, marks));
                case 0x94 -> memo.put((long) memo.size(), peek(stack, marks));
                default -> throw refused("opcode " + opcodeName(op) + " at byte " + at);  // unreachable after scan()
            }
        }
    }

    private static Tuple tuple(List<Object> items) {
        return new Tuple(Collections.unmodifiableList(new ArrayList<>(items)));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int at) {
        if (o instanceof List<?> l && !(o instanceof Tuple)) {
            return (List<Object>) l;
        }
        throw corrupt("APPEND at byte " + at + " to a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, int at) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw corrupt("SETITEM at byte " + at + " on a " + typeName(o));
    }

    private void putAll(Map<Object, Object> m, List<Object> items, int at) {
        if (items.size() % 2 != 0) {
            throw corrupt("odd number of dict items at byte " + at);
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(checkKey(items.get(i), at), items.get(i + 1));
        }
    }

    private Object memoGet(Map<Long, Object> memo, long key, int at) {
        Object v = memo.get(key);
        if (v == null) {
            throw corrupt("memo entry " + key + " read at byte " + at + " was never stored");
        }
        return v;
    }

    private Object pop(List<Object> stack, List<Integer> marks) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw corrupt("stack underflow at byte " + (pos - 1));
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(List<Object> stack, List<Integer> marks) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw corrupt("stack underflow at byte " + (pos - 1));
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark(List<Object> stack, List<Integer> marks) {
        if (marks.isEmpty()) {
            throw corrupt("no MARK before byte " + (pos - 1));
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> top = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return top;
    }

    /** Scalar keys, or tuples of scalars: hashing anything deeper could recurse through a self-referencing list. */
    private Object checkKey(Object k, int at) {
        if (!scalar(k) && !(k instanceof Tuple t && t.items().stream().allMatch(PickleReader::scalar))) {
            throw corrupt("unsupported dict key (" + typeName(k) + ") at byte " + at);
        }
        return k;
    }

    private static boolean scalar(Object o) {
        return o instanceof String || o instanceof Long || o instanceof BigInteger || o instanceof Double
                || o instanceof Boolean || o == NONE;
    }

    static String typeName(Object o) {
        if (o == NONE) {
            return "None";
        }
        if (o instanceof Global g) {
            return "global " + g;
        }
        return o == null ? "null" : o.getClass().getSimpleName();
    }

    // ---- bytes

    private int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int i32() {
        need(4);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32() {
        return i32() & 0xFFFFFFFFL;
    }

    private long i64Be() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos++] & 0xFF);
        }
        return v;
    }

    private int len4() {
        long n = u32();
        if (n > data.length - pos) {
            throw corrupt("a length of " + n + " bytes at byte " + (pos - 4) + " runs past the end of the pickle");
        }
        return (int) n;
    }

    private int len8() {
        need(8);
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = (n << 8) | (data[pos + i] & 0xFF);
        }
        pos += 8;
        if (n < 0 || n > data.length - pos) {
            throw corrupt("a length of " + n + " bytes at byte " + (pos - 8) + " runs past the end of the pickle");
        }
        return (int) n;
    }

    private void skip(int n) {
        need(n);
        pos += n;
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = java.util.Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    private String line() {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            pos++;
        }
        if (pos >= data.length) {
            throw corrupt("unterminated GLOBAL name at byte " + start);
        }
        String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    /** Python's decode_long: little-endian two's complement of {@code n} bytes. */
    private Object longLe(int n) {
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private void need(int n) {
        if (n < 0 || pos + (long) n > data.length) {
            throw corrupt("the pickle ends in the middle of an opcode at byte " + pos + " (truncated?)");
        }
    }

    private WeightLoadException refused(String why) {
        return new WeightLoadException("refused " + source + ": " + why);
    }

    private WeightLoadException corrupt(String why) {
        return new WeightLoadException("corrupt pickle in " + source + ": " + why);
    }

    private static String opcodeName(int op) {
        String name = switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x93 -> "STACK_GLOBAL";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 'P' -> "PERSID (text)";
            case 'I', 'L', 'F', 'S', 'V', 'g', 'p' -> "text-mode (protocol 0)";
            case 0x8f, 0x90, 0x91 -> "set";
            case 0x96, 0x97, 0x98 -> "out-of-band buffer";
            default -> "unknown";
        };
        return name + String.format(" (0x%02x)", op);
    }
}
