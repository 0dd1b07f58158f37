package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.weights.TorchPickle.StorageRef;
import ai.t2vzero.weights.TorchPickle.TensorRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A PyTorch checkpoint in the zip format of {@code torch.save} (torch >= 1.6: {@code <archive>/data.pkl},
 * {@code <archive>/data/<key>} per storage, {@code <archive>/version}, optionally {@code <archive>/byteorder}),
 * as {@code pytorch_model.bin}, {@code diffusion_pytorch_model.bin}, {@code model.ckpt} or {@code .pt} files
 * are. The zip directory is parsed here (zip64 included) so that stored entries are memory-mapped in place
 * (torch aligns them to 64 bytes); deflated entries are inflated up to their declared size.
 *
 * <p>{@code data.pkl} is read by {@link PickleReader} with the {@link TorchPickle} allow-list: no code from the file
 * runs, and a file that is not a plain state dict is refused before anything is built. Each storage's declared
 * size is checked against its entry when the pickle names it (a 10 GB declaration over 16 bytes fails without
 * allocating), each view against its storage. The state dict is the top-level dict, or its {@code state_dict}
 * entry (Lightning / LDM {@code .ckpt} files, whose other entries are ignored).
 */
public final class TorchZipCheckpoint implements TensorSource {

    private static final int LOCAL = 0x04034b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int EOCD = 0x06054b50;
    private static final int EOCD64 = 0x06064b50;
    private static final int EOCD64_LOCATOR = 0x07064b50;
    /** PROTO 2, LONG1 of 10 bytes: the start of the magic number 0x1950a86a20f9469cfc6c of legacy torch.save. */
    private static final int LEGACY_PICKLE = 0x0a8a0280;
    private static final long MAX_PICKLE = 1L << 30;
    private static final long MAX_DIRECTORY = 256L << 20;

    /** One zip entry: where its data starts and how it is stored. */
    private record Entry(String name, int method, long compressedSize, long size, long localHeader) {
    }

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final Map<String, Entry> entries;
    private final String prefix;
    private final Map<String, TensorRef> tensors;

    private TorchZipCheckpoint(Path path, FileChannel channel, long fileSize, Map<String, Entry> entries, String prefix) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.entries = entries;
        this.prefix = prefix;
        this.tensors = readStateDict();
    }

    /** Whether the file starts like a torch.save file (a zip, or the legacy pickle / tar formats, refused on open). */
    static boolean looksLikeTorchFile(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            if (b.position() < 4) {
                return false;
            }
            int magic = b.getInt(0);
            return magic == LOCAL || magic == LEGACY_PICKLE || isTar(ch);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isTar(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5);
        ch.read(b, 257);
        return b.position() == 5 && new String(b.array(), StandardCharsets.US_ASCII).equals("ustar");
    }

    public static TorchZipCheckpoint open(Path path) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(4, size)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0);
            if (size >= 4 && head.getInt(0) == LEGACY_PICKLE) {
                throw new WeightLoadException(path + " is a PyTorch checkpoint in the legacy (pre-1.6) pickle format,"
                        + " which is not read: re-save it with torch >= 1.6 (torch.save(torch.load(f), f)) or convert"
                        + " it to safetensors");
            }
            if (isTar(ch)) {
                throw new WeightLoadException(path + " is a PyTorch checkpoint in the legacy tar format, which is not"
                        + " read: re-save it with torch >= 1.6 or convert it to safetensors");
            }
            if (size < 22 || head.getInt(0) != LOCAL) {
                throw corrupt(path, "not a zip file (torch.save writes zip archives since torch 1.6)");
            }
            Map<String, Entry> entries = directory(path, ch, size);
            String prefix = archivePrefix(path, entries);
            TorchZipCheckpoint c = new TorchZipCheckpoint(path, ch, size, entries, prefix);
            ch = null;
            return c;
        } catch (IOException e) {
            throw new WeightLoadException("cannot read PyTorch checkpoint " + path + ": " + e.getMessage(), e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    // ---- zip directory

    private static Map<String, Entry> directory(Path path, FileChannel ch, long size) throws IOException {
        int tail = (int) Math.min(size, 22 + 65_535);
        ByteBuffer t = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, t, size - tail);
        int at = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == EOCD) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw corrupt(path, "no end-of-central-directory record: the zip is truncated or damaged");
        }
        long eocdPos = size - tail + at;
        long count = t.getShort(at + 10) & 0xFFFF;
        long dirSize = t.getInt(at + 12) & 0xFFFFFFFFL;
        long dirOffset = t.getInt(at + 16) & 0xFFFFFFFFL;
        if (count == 0xFFFF || dirSize == 0xFFFFFFFFL || dirOffset == 0xFFFFFFFFL) {
            if (at < 20 || t.getInt(at - 20) != EOCD64_LOCATOR) {
                throw corrupt(path, "zip64 archive without its zip64 locator");
            }
            long eocd64 = t.getLong(at - 20 + 8);
            if (eocd64 < 0 || eocd64 + 56 > eocdPos) {
                throw corrupt(path, "zip64 end record outside the file");
            }
            ByteBuffer z = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, z, eocd64);
            if (z.getInt(0) != EOCD64) {
                throw corrupt(path, "bad zip64 end record");
            }
            count = z.getLong(32);
            dirSize = z.getLong(40);
            dirOffset = z.getLong(48);
            eocdPos = eocd64;
        }
        if (dirOffset < 0 || dirSize < 0 || dirSize > MAX_DIRECTORY || dirOffset + dirSize > eocdPos || count > dirSize / 46) {
            throw corrupt(path, "central directory (" + count + " entries, " + dirSize + " bytes at " + dirOffset
                    + ") does not fit the file: truncated or damaged zip");
        }
        ByteBuffer d = ByteBuffer.allocate((int) dirSize).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, d, dirOffset);
        Map<String, Entry> out = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > dirSize || d.getInt(p) != CENTRAL) {
                throw corrupt(path, "damaged central directory at entry " + i);
            }
            int method = d.getShort(p + 10) & 0xFFFF;
            long comp = d.getInt(p + 20) & 0xFFFFFFFFL;
            long uncomp = d.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLen = d.getShort(p + 28) & 0xFFFF;
            int extraLen = d.getShort(p + 30) & 0xFFFF;
            int commentLen = d.getShort(p + 32) & 0xFFFF;
            long local = d.getInt(p + 42) & 0xFFFFFFFFL;
            if (p + 46L + nameLen + extraLen + commentLen > dirSize) {
                throw corrupt(path, "damaged central directory at entry " + i);
            }
            String name = new String(d.array(), p + 46, nameLen, StandardCharsets.UTF_8);
            // zip64 extra field (id 1): the 0xFFFFFFFF fields, in the order size, compressed size, offset
            int e = p + 46 + nameLen;
            int end = e + extraLen;
            while (e + 4 <= end) {
                int id = d.getShort(e) & 0xFFFF;
                int len = d.getShort(e + 2) & 0xFFFF;
                int q = e + 4;
                if (id == 1) {
                    if (uncomp == 0xFFFFFFFFL && q + 8 <= e + 4 + len) {
                        uncomp = d.getLong(q);
                        q += 8;
                    }
                    if (comp == 0xFFFFFFFFL && q + 8 <= e + 4 + len) {
                        comp = d.getLong(q);
                        q += 8;
                    }
                    if (local == 0xFFFFFFFFL && q + 8 <= e + 4 + len) {
                        local = d.getLong(q);
                    }
                }
                e += 4 + len;
            }
            if (method != 0 && method != 8) {
                throw corrupt(path, "entry " + name + " uses zip compression method " + method + " (only stored and deflate)");
            }
            if (comp < 0 || uncomp < 0 || local < 0 || local + 30 + comp > dirOffset) {
                throw corrupt(path, "entry " + name + " (" + comp + " bytes at " + local + ") lies outside the data"
                        + " part of the file: truncated or damaged zip");
            }
            if (method == 0 && comp != uncomp) {
                throw corrupt(path, "stored entry " + name + " has different compressed and plain sizes");
            }
            out.put(name, new Entry(name, method, comp, uncomp, local));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return out;
    }

    /** torch.save puts everything under one top folder (the file's stem when saved; any name is accepted). */
    private static String archivePrefix(Path path, Map<String, Entry> entries) {
        String prefix = null;
        for (String n : entries.keySet()) {
            int slash = n.indexOf('/');
            if (slash > 0 && n.substring(slash + 1).equals("data.pkl")) {
                if (prefix != null) {
                    throw corrupt(path, "more than one data.pkl");
                }
                prefix = n.substring(0, slash + 1);
            }
        }
        if (prefix == null) {
            throw corrupt(path, "zip without <archive>/data.pkl: not a torch.save checkpoint");
        }
        return prefix;
    }

    private long dataStart(Entry e) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, h, e.localHeader());
        if (h.getInt(0) != LOCAL) {
            throw corrupt(path, "entry " + e.name() + " has no local header at " + e.localHeader());
        }
        long start = e.localHeader() + 30 + (h.getShort(26) & 0xFFFF) + (h.getShort(28) & 0xFFFF);
        if (start + e.compressedSize() > fileSize) {
            throw corrupt(path, "entry " + e.name() + " runs past the end of the file (truncated?)");
        }
        return start;
    }

    /** Bytes [from, from + len) of an entry's plain content: mapped when stored, inflated when deflated. */
    private ByteBuffer entryBytes(Entry e, long from, long len) throws IOException {
        if (len > Integer.MAX_VALUE) {
            throw new WeightLoadException("a tensor in " + path + " is larger than 2 GiB");
        }
        long start = dataStart(e);
        if (e.method() == 0) {
            return channel.map(FileChannel.MapMode.READ_ONLY, start + from, len).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (e.compressedSize() > Integer.MAX_VALUE || e.size() > Integer.MAX_VALUE) {
            throw new WeightLoadException("compressed entry " + e.name() + " of " + path + " is larger than 2 GiB");
        }
        if (e.size() > 1032 * (e.compressedSize() + 1)) {
            // deflate cannot expand more than 1032:1: a larger declared size is a lie, refused before allocating it
            throw corrupt(path, "entry " + e.name() + " declares " + e.size() + " bytes from " + e.compressedSize()
                    + " compressed bytes");
        }
        ByteBuffer in = ByteBuffer.allocate((int) e.compressedSize());
        readFully(channel, in, start);
        byte[] plain = new byte[(int) e.size()];
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in.array());
            int n = 0;
            while (n < plain.length && !inf.finished()) {
                int r = inf.inflate(plain, n, plain.length - n);
                if (r == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += r;
            }
            if (n != plain.length) {
                throw corrupt(path, "entry " + e.name() + " inflates to " + n + " bytes, not " + plain.length);
            }
        } catch (DataFormatException ex) {
            throw corrupt(path, "entry " + e.name() + " is not valid deflate data: " + ex.getMessage());
        } finally {
            inf.end();
        }
        return ByteBuffer.wrap(plain, (int) from, (int) len).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---- the state dict

    private Map<String, TensorRef> readStateDict() {
        try {
            Entry byteorder = entries.get(prefix + "byteorder");
            if (byteorder != null) {
                String order = StandardCharsets.US_ASCII.decode(entryBytes(byteorder, 0, Math.min(byteorder.size(), 16)))
                        .toString().trim();
                if (!order.equals("little")) {
                    throw new WeightLoadException(path + " was saved with byte order '" + order + "'; only little-endian"
                            + " checkpoints are read");
                }
            }
            Entry pkl = entries.get(prefix + "data.pkl");
            if (pkl.size() > MAX_PICKLE) {
                throw corrupt(path, "data.pkl of " + pkl.size() + " bytes is not a state dict's");
            }
            ByteBuffer b = entryBytes(pkl, 0, pkl.size());
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            BufferRelease.release(b);
            Object root = PickleReader.read(bytes, path.toString(), TorchPickle.ALLOWED_GLOBALS,
                    new TorchPickle(path.toString(), this::storage));
            return stateDict(root);
        } catch (IOException e) {
            throw new WeightLoadException("cannot read PyTorch checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    /** Checks a storage the pickle declares against its entry before anything is read or allocated. */
    private StorageRef storage(String key, DataType dtype, long numel, String type) {
        Entry e = entries.get(prefix + "data/" + key);
        if (e == null) {
            throw corrupt(path, "storage '" + key + "' has no entry " + prefix + "data/" + key);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) dtype.getNumOfBytes());
        } catch (ArithmeticException ex) {
            throw corrupt(path, "storage '" + key + "' declares " + numel + " elements, more than 64-bit sizes hold");
        }
        if (bytes > e.size()) {
            throw corrupt(path, "storage '" + key + "' (" + type + ") declares " + numel + " elements = " + bytes
                    + " bytes but its entry holds " + e.size() + " bytes");
        }
        return new StorageRef(key, dtype, numel);
    }

    private Map<String, TensorRef> stateDict(Object root) {
        Object sd = root;
        while (sd instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> inner) {
            sd = inner;
        }
        if (!(sd instanceof Map<?, ?> m)) {
            throw new WeightLoadException(path + " does not hold a state dict (found " + PickleReader.typeName(sd) + ")");
        }
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof TensorRef t)) {
                throw new WeightLoadException(path + " is not a state dict: entry " + e.getKey() + " holds "
                        + PickleReader.typeName(e.getValue()) + ", not a tensor");
            }
            out.put(k, t);
        }
        return Collections.unmodifiableMap(out);
    }

    // ---- TensorSource

    @Override
    public String describe() {
        return path.toString();
    }

    public Path path() {
        return path;
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    TensorRef ref(String key) {
        TensorRef t = tensors.get(key);
        if (t == null) {
            throw new WeightLoadException("tensor '" + key + "' not found in " + path);
        }
        return t;
    }

    @Override
    public long[] shape(String key) {
        return ref(key).shape().clone();
    }

    /** The stored dtype of {@code key}. */
    public DataType dtype(String key) {
        return ref(key).storage().dtype();
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType dtype) {
        TensorRef t = ref(key);
        int es = t.storage().dtype().getNumOfBytes();
        long numel = t.numel();
        if (numel == 0) {
            return HostTensors.create(ByteBuffer.allocate(0), t.shape(), t.storage().dtype(), manager, dtype);
        }
        Entry e = entries.get(prefix + "data/" + t.storage().key());
        ByteBuffer bytes = null;
        try {
            if (t.contiguous()) {
                bytes = entryBytes(e, t.offset() * es, numel * es);
                return HostTensors.create(bytes, t.shape(), t.storage().dtype(), manager, dtype);
            }
            // a strided view (e.g. a transposed weight): map the span it reaches and gather it in C order
            long last = t.offset();
            for (int i = 0; i < t.shape().length; i++) {
                last += (t.shape()[i] - 1) * t.stride()[i];
            }
            bytes = entryBytes(e, t.offset() * es, (last - t.offset() + 1) * es);
            return HostTensors.create(gather(bytes, t, es), t.shape(), t.storage().dtype(), manager, dtype);
        } catch (IOException ex) {
            throw new WeightLoadException("cannot read tensor '" + key + "' from " + path + ": " + ex.getMessage(), ex);
        } finally {
            if (bytes != null) {
                BufferRelease.release(bytes);
            }
        }
    }

    /** Copies the elements of a strided view (offsets relative to the view's first element) into C order. */
    private static ByteBuffer gather(ByteBuffer span, TensorRef t, int es) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        int rank = shape.length;
        long numel = t.numel();
        if (numel * es > Integer.MAX_VALUE) {
            throw new WeightLoadException("a strided tensor larger than 2 GiB");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) (numel * es)).order(ByteOrder.LITTLE_ENDIAN);
        long[] idx = new long[rank];
        byte[] one = new byte[es];
        for (long n = 0; n < numel; n++) {
            long off = 0;
            for (int d = 0; d < rank; d++) {
                off += idx[d] * stride[d];
            }
            span.get((int) (off * es), one);
            out.put(one);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        out.flip();
        return out;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static WeightLoadException corrupt(Path path, String why) {
        return new WeightLoadException("corrupt PyTorch checkpoint " + path + ": " + why);
    }

    @Override
    public String toString() {
        return "TorchZipCheckpoint[" + path + ", " + tensors.size() + " tensors, " + Arrays.toString(new String[]{prefix}) + "]";
    }
}
