package ai.t2vzero.model.clip;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GPT-2/CLIP byte-level BPE over a merges table: a pre-token's UTF-8 bytes are mapped to printable characters
 * ({@link #byteEncode}), its last symbol gets the {@code </w>} word-end marker, and the lowest-ranked adjacent pair
 * is merged (every non-overlapping occurrence, left to right) until no ranked pair is left.
 *
 * <p>Results are memoized in a bounded LRU cache shared by all threads (prompts repeat the same words).
 */
final class BytePairEncoder {

    static final String WORD_END = "</w>";
    private static final int CACHE_ENTRIES = 20_000;
    private static final int CACHED_TOKEN_CHARS = 100;
    private static final char[] BYTE_TO_CHAR = byteToUnicode();

    private final Map<String, Integer> ranks; // "first second" -> merge rank (lower merges first)
    private final Set<String> unsplit;
    private final Map<String, String[]> cache;

    /**
     * @param merges  merge pairs in rank order (rank = list index; a repeated pair keeps its last rank, as a
     *                Python dict built from the list does)
     * @param unsplit pre-tokens returned as one symbol without a word-end marker (CLIP's two special tokens)
     */
    BytePairEncoder(List<String[]> merges, Set<String> unsplit) {
        Map<String, Integer> r = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            r.put(m[0] + ' ' + m[1], i);
        }
        this.ranks = r;
        this.unsplit = Set.copyOf(unsplit);
        this.cache = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String[]> eldest) {
                return size() > CACHE_ENTRIES;
            }
        });
    }

    int mergeCount() {
        return ranks.size();
    }

    /**
     * GPT-2's {@code bytes_to_unicode}: the printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) map
     * to themselves, the other 68 bytes to U+0100, U+0101, ... in byte order, so every byte is one visible char.
     */
    private static char[] byteToUnicode() {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = (char) (printable ? b : next++);
        }
        return table;
    }

    /** The pre-token's UTF-8 bytes as byte-level characters. */
    static String byteEncode(String token) {
        byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The BPE symbols of one byte-encoded, non-empty pre-token; the last one ends with {@code </w>}. */
    List<String> encode(String token) {
        if (unsplit.contains(token)) {
            return List.of(token);
        }
        String[] cached = cache.get(token);
        if (cached == null) {
            cached = merge(token);
            if (token.length() <= CACHED_TOKEN_CHARS) { // words, not a pasted blob
                cache.put(token, cached);
            }
        }
        return Arrays.asList(cached);
    }

    /**
     * The merge loop of CLIP's {@code bpe()}: repeatedly take the lowest-ranked adjacent pair and merge every
     * non-overlapping occurrence of it, left to right. Written as passes over a linked list with a heap of candidate
     * pairs instead of rescanning the whole word after each merge: O(n log n) rather than O(n^2) string work, with
     * the same result (a pass takes all candidates of the lowest rank, in position order, before any pair it creates;
     * a pair created by a pass is never the pass's own pair, since first+second differs from both first and second).
     */
    private String[] merge(String token) {
        // 1. one symbol per character, word-end marker on the last
        int n = token.length();
        String[] sym = new String[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = i == n - 1 ? token.charAt(i) + WORD_END : String.valueOf(token.charAt(i));
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // 2. candidate pairs by (rank, position); stale ones are skipped when popped
        java.util.PriorityQueue<long[]> heap = new java.util.PriorityQueue<>(
                (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (int i = 0; i + 1 < n; i++) {
            push(heap, sym, i, i + 1);
        }
        List<long[]> pass = new ArrayList<>();
        while (!heap.isEmpty()) {
            long rank = heap.peek()[0];
            pass.clear();
            while (!heap.isEmpty() && heap.peek()[0] == rank) {
                pass.add(heap.poll());
            }
            List<Integer> merged = new ArrayList<>();
            for (long[] c : pass) {
                int i = (int) c[1];
                int j = sym[i] == null ? -1 : next[i];
                Integer current = j < 0 ? null : ranks.get(sym[i] + ' ' + sym[j]);
                if (current == null || current != rank) {
                    continue; // stale: one side was merged away or changed
                }
                sym[i] = sym[i] + sym[j];
                sym[j] = null;
                next[i] = next[j];
                if (next[j] >= 0) {
                    prev[next[j]] = i;
                }
                merged.add(i);
            }
            for (int i : merged) {
                if (sym[i] == null) {
                    continue;
                }
                if (prev[i] >= 0) {
                    push(heap, sym, prev[i], i);
                }
                if (next[i] >= 0) {
                    push(heap, sym, i, next[i]);
                }
            }
        }
        List<String> word = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) {
            word.add(sym[i]);
        }
        return word.toArray(String[]::new);
    }

    private void push(java.util.PriorityQueue<long[]> heap, String[] sym, int i, int j) {
        Integer rank = ranks.get(sym[i] + ' ' + sym[j]);
        if (rank != null) {
            heap.add(new long[] {rank, i});
        }
    }
}
