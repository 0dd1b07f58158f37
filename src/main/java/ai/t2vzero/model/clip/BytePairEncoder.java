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
            cache.put(token, cached);
        }
        return Arrays.asList(cached);
    }

    private String[] merge(String token) {
        // 1. one symbol per character, word-end marker on the last
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + WORD_END);
        // 2. merge the best-ranked adjacent pair until none is in the table
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = ranks.get(word.get(i) + ' ' + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size() - 1);
            for (int i = 0; i < word.size(); ) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i += 1;
                }
            }
            word = merged;
        }
        return word.toArray(String[]::new);
    }
}
