package ai.t2vzero.model.clip;

import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Over-long prompts: tokenizing stops once the kept tokens exist, with the same ids as a full tokenization, and no
 * step is quadratic in the prompt (the whole prompt of a 10 MiB body used to be tokenized in the job slot). The
 * timeouts are guards against a hang (the old code needs hours for these inputs), not benchmarks.
 */
class ClipTokenizerBoundsTest {

    static final Duration HANG_GUARD = Duration.ofSeconds(20);
    static ClipTokenizer tokenizer;
    static Map<String, Integer> ranks;

    @BeforeAll
    static void load() throws IOException {
        Path dir = Reference.load().model("sd15").resolve("tokenizer");
        tokenizer = ClipTokenizer.load(dir);
        ranks = new HashMap<>();
        List<String> lines = Files.readAllLines(dir.resolve("merges.txt"));
        for (int i = 1; i < lines.size() && ranks.size() < ClipTokenizer.MAX_MERGES; i++) {
            String[] pair = lines.get(i).strip().split("\\s+");
            if (pair.length == 2) {
                ranks.put(pair[0] + ' ' + pair[1], i - 1);
            }
        }
    }

    @Test
    void aMegabytePromptIsEncodedWithTheIdsOfItsStart() {
        StringBuilder b = new StringBuilder();
        while (b.length() < (1 << 20)) {
            b.append("a photo of a cat on a skateboard, 4k, <|endoftext|> trending ");
        }
        String huge = b.toString();
        String start = huge.substring(0, 2_000);
        ClipTokenizer.Encoding e = assertTimeoutPreemptively(HANG_GUARD, () -> tokenizer.encode(huge));
        assertArrayEquals(tokenizer.encode(start).inputIds(), e.inputIds());
        assertTrue(e.untruncatedLength() > 77);
        List<String> full = tokenizer.tokens(start);
        assertEquals(full.subList(0, 75), tokenizer.tokens(huge, 75).subList(0, 75));
    }

    @Test
    void aLongWordIsMergedWithoutQuadraticWork() {
        String word = "ab".repeat(50_000); // 100k chars: the old loop needs ~10^10 steps; prompts are capped at 4,000
        ClipTokenizer.Encoding e = assertTimeoutPreemptively(HANG_GUARD, () -> tokenizer.encode(word));
        assertEquals(77, Arrays.stream(e.attentionMask()).sum());
    }

    @Test
    void heapMergingGivesTheSameSymbolsAsTheReferenceLoop() {
        Random random = new Random(7);
        String alphabet = "abcdefghijklmnopqrstuvwxyzeeeaaoo";
        for (int n = 0; n < 3_000; n++) {
            int len = 1 + random.nextInt(n < 2_900 ? 16 : 400);
            StringBuilder w = new StringBuilder();
            for (int i = 0; i < len; i++) {
                w.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String word = w.toString();
            assertEquals(naive(word), tokenizer.tokens(word), word);
        }
    }

    /** transformers' CLIPTokenizer.bpe loop as written there: rescan, take the best pair, merge it everywhere. */
    private static List<String> naive(String token) {
        List<String> word = new ArrayList<>();
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + "</w>");
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + ' ' + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < word.size(); ) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i++));
                }
            }
            word = merged;
        }
        return word;
    }
}
