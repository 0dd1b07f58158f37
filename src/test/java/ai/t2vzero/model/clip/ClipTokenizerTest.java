package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.WeightLoadException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edge cases of {@link ClipTokenizer} on the reference set's real CLIP vocabulary
 * ({@code models/sd15-mini/tokenizer}: openai/CLIP's bpe_simple_vocab_16e6, 49408 ids).
 *
 * <p>Where the expected values come from:
 * <ul>
 *   <li>"ref row k": the reference case {@code tokenizer_prompts} (transformers 4.38.2 slow CLIPTokenizer), row k of
 *       its input_ids / params.tokens;</li>
 *   <li>"vocab": the id of that token string in {@code vocab.json};</li>
 *   <li>"merge r": the pair on line r+2 of {@code merges.txt} (line 1 is the header), i.e. BPE rank r; BPE applies
 *       the lowest rank first, so the listed merges, in that order, build the expected symbols;</li>
 *   <li>single digits and single characters have no pair to merge, so they become {@code <char></w>}; printable
 *       ASCII byte b has vocab id b-33 and {@code <b></w>} has b-33+256 (bytes_to_unicode order).</li>
 * </ul>
 */
class ClipTokenizerTest {

    static final long BOS = 49406; // vocab "<|startoftext|>"
    static final long EOS = 49407; // vocab "<|endoftext|>", also pad_token in tokenizer_config.json
    // ref row 0 "a photo of a cat": a</w>=320, photo</w>=1125, of</w>=539, cat</w>=2368
    static final long[] A_PHOTO_OF_A_CAT = {320, 1125, 539, 320, 2368};

    static ClipTokenizer tokenizer;
    static Path dir;

    @BeforeAll
    static void load() {
        dir = Reference.load().model("sd15").resolve("tokenizer");
        tokenizer = ClipTokenizer.load(dir);
    }

    /** [bos, ids..., eos] padded with eos (the pad token) to 77. */
    static long[] padded(long... textIds) {
        long[] out = new long[77];
        Arrays.fill(out, EOS);
        out[0] = BOS;
        System.arraycopy(textIds, 0, out, 1, textIds.length);
        out[textIds.length + 1] = EOS;
        return out;
    }

    static void assertIds(String prompt, long... textIds) {
        ClipTokenizer.Encoding e = tokenizer.encode(prompt);
        assertArrayEquals(padded(textIds), e.inputIds(), "ids of '" + prompt + "'");
        long[] mask = new long[77];
        Arrays.fill(mask, 0, textIds.length + 2, 1);
        assertArrayEquals(mask, e.attentionMask(), "mask of '" + prompt + "'");
        assertEquals(textIds.length + 2, e.untruncatedLength(), "untruncated length of '" + prompt + "'");
    }

    @Test
    void readsSpecialTokensAndLengthFromTheFolder() {
        // tokenizer_config.json: model_max_length 77, bos <|startoftext|>, eos/pad <|endoftext|>
        assertEquals(77, tokenizer.maxLength());
        assertEquals(BOS, tokenizer.bosTokenId());
        assertEquals(EOS, tokenizer.eosTokenId());
        assertEquals(EOS, tokenizer.padTokenId());
        assertEquals("<|startoftext|>", tokenizer.bosToken());
        assertEquals("<|endoftext|>", tokenizer.eosToken());
    }

    @Test
    void referencePrompt() {
        assertEquals(List.of("a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>"), tokenizer.tokens("a photo of a cat"));
        assertIds("a photo of a cat", A_PHOTO_OF_A_CAT); // ref row 0
    }

    @Test
    void emptyAndWhitespaceOnlyPromptsAreBosEos() {
        assertIds(""); // ref row 3: [49406, 49407 x 76], mask [1, 1, 0...], untruncated 2
        // tab/LF/CR and Zs (U+00A0, U+3000) become spaces, U+2028 is whitespace to str.split(): nothing is left
        assertIds(" \t\n\r\u00A0\u3000\u2028 ");
        assertEquals(List.of(), tokenizer.tokens("   "));
    }

    @Test
    void upperCaseIsLowered() {
        assertIds("A PHOTO OF A CAT", A_PHOTO_OF_A_CAT);
        assertIds("A Photo Of A Cat", A_PHOTO_OF_A_CAT);
    }

    @Test
    void longPromptsAreTruncatedTo75TextTokens() {
        String prompt = "a ".repeat(100); // 100 x a</w> (320)
        ClipTokenizer.Encoding e = tokenizer.encode(prompt);
        long[] expected = new long[77];
        Arrays.fill(expected, 320);
        expected[0] = BOS;
        expected[76] = EOS; // eos replaces the 76th text token
        assertArrayEquals(expected, e.inputIds());
        long[] ones = new long[77];
        Arrays.fill(ones, 1);
        assertArrayEquals(ones, e.attentionMask());
        assertEquals(78, e.untruncatedLength()); // tokenizing stops one token past what fits: > 77 = truncated
        assertEquals(100, tokenizer.tokens(prompt).size());
        // exactly 75 text tokens fit without truncation
        assertEquals(77, tokenizer.encode("a ".repeat(75)).untruncatedLength());
        assertEquals(320, tokenizer.encode("a ".repeat(75)).inputIds()[75]);
    }

    @Test
    void punctuationAndApostrophes() {
        // ref row 7: 's and 't are regex contractions, "," and "!" single punctuation runs
        assertEquals(List.of("a</w>", "cat</w>", "'s</w>", "toy</w>", ",</w>", "don</w>", "'t</w>", "touch</w>", "!</w>"),
                tokenizer.tokens("a cat's toy, don't touch!"));
        assertIds("a cat's toy, don't touch!", 320, 2368, 568, 5988, 267, 847, 713, 4526, 256);
        // they: merges t h (1), th e (87), the y</w> (377); 're: r e</w> (298), ' re</w> (470)
        // vocab they</w>=889, 're</w>=982
        assertEquals(List.of("they</w>", "'re</w>"), tokenizer.tokens("they're"));
        assertIds("they're", 889, 982);
        // the other contractions: 'll (l l</w> 353, ' ll</w> 830), 've (v e</w> 51, ' ve</w> 688), 'm (' m</w> 368),
        // 'd (' d</w> 1384); vocab i</w>=328 'll</w>=1342 we</w>=649 've</w>=1200 'm</w>=880 he</w>=797 'd</w>=1896
        assertIds("I'll we've i'm he'd", 328, 1342, 649, 1200, 328, 880, 797, 1896);
        // a punctuation run is one pre-token: "!!!" -> ! !</w> (236), ! !!</w> (483) -> !!!</w> (vocab 995);
        // "...?!" -> . . (96), ? !</w> (2323), .. . (2490) -> "..." (3002, no </w>: not at the end) + "?!</w>" (2835)
        // wow: w o (1101), wo w</w> (2269) -> wow</w> (2781)
        assertEquals(List.of("wow</w>", "!!!</w>"), tokenizer.tokens("wow!!!"));
        assertIds("wow!!!", 2781, 995);
        assertEquals(List.of("...", "?!</w>"), tokenizer.tokens("...?!"));
        assertIds("...?!", 3002, 2835);
        // ref row 8: brackets are split from the word, runs of spaces collapse
        assertIds("A   red    car   (driving)   fast", 320, 736, 1615, 263, 4161, 264, 1953);
    }

    @Test
    void numbersAreSplitPerDigit() {
        // [\p{N}] matches one digit: '2' = byte 0x32 -> 2</w> = 0x32-33+256 = 273; 0</w> = 271; 3</w> = 274
        assertEquals(List.of("2</w>", "0</w>", "2</w>", "3</w>"), tokenizer.tokens("2023"));
        assertIds("2023", 273, 271, 273, 274);
        // ref row 2 ("..., 4k"): 4</w>=275 then k</w>=330
        assertIds("4k", 275, 330);
        // ref row 9
        assertIds("1 2 3 go: 42 balloons", 272, 273, 274, 861, 281, 275, 273, 18130);
    }

    @Test
    void accentsAreKeptAndNfcNormalized() {
        // é = UTF-8 C3 A9 -> byte chars "Ã©"; merges a f (190), c af (2959), Ã ©</w> (3654), caf Ã©</w> (14792)
        // -> cafÃ©</w> (vocab 15304); accents are not stripped (strip_accents=False)
        assertEquals(List.of("cafÃ©</w>"), tokenizer.tokens("café"));
        assertIds("café", 15304);
        assertIds("cafe\u0301", 15304); // e + combining acute: NFC composes it to é first
        assertIds("CAFÉ", 15304);       // lower-cased after NFC
        // ï = C3 AF -> "Ã¯"; merges v e</w> (51), n a (585), Ã ¯ (35177) -> na (1097), Ã¯ (35689), ve</w> (563)
        assertEquals(List.of("na", "Ã¯", "ve</w>"), tokenizer.tokens("naïve"));
        assertIds("naïve", 1097, 35689, 563);
        // emoji U+1F60A = F0 9F 98 8A -> "ðŁĺĬ"; merges ð Ł (46), ðŁ ĺ (156), ðŁĺ Ĭ</w> (2508) -> vocab 3020
        assertIds("\uD83D\uDE0A", 3020);
    }

    @Test
    void cjkIdeographsAreWordsOfTheirOwn() {
        // 猫 U+732B = E7 8C AB -> 'ç' (0xE7 printable), 'Į' (0x8C: U+0100 + 33 + (0x8C-0x7F) = U+012E), '«' (0xAB);
        // merges.txt has neither "ç Į" nor "Į «</w>", so three symbols: ç (163), Į (234), «</w> (360)
        List<String> spaced = tokenizer.tokens("a 猫 b");
        assertEquals(List.of("a</w>", "ç", "Į", "«</w>", "b</w>"), spaced);
        // spaces are added around the ideograph: without them "a猫b" would be one \p{L} run
        assertEquals(spaced, tokenizer.tokens("a猫b"));
        assertIds("a猫b", 320, 163, 234, 360, 321);
        // the rule is only for ideographs: hiragana ひ (E3 81 B2 -> "ãģ²") stays in one \p{L} run with the "a",
        // so that "a" is not a word end; merge ã ģ (4301) -> a (64), ãģ (4813), ²</w> (366)
        assertEquals(List.of("a", "ãģ", "²</w>"), tokenizer.tokens("aひ"));
        assertIds("aひ", 64, 4813, 366);
    }

    @Test
    void controlAndFormatCharactersAreRemoved() {
        // NUL, BEL (Cc) and ZERO WIDTH SPACE (Cf) vanish without leaving a space: "aphoto of a cat";
        // aphoto: t o</w> (19), h o (94), a p (176), ap ho (21246) -> apho (21758) + to</w> (531)
        assertEquals(List.of("apho", "to</w>", "of</w>", "a</w>", "cat</w>"),
                tokenizer.tokens("a\u0000ph\u200Boto\u0007 of a cat"));
        assertIds("a\u0000ph\u200Boto\u0007 of a cat", 21758, 531, 539, 320, 2368);
        // whitespace controls (tab, LF, CR), NBSP and LINE SEPARATOR separate words like a space
        assertIds("a\tphoto\nof\r\na\u00A0cat\u2028", A_PHOTO_OF_A_CAT);
    }

    @Test
    void literalSpecialTokensAreKeptWhole() {
        // cut out before cleaning: "a cat" | <|endoftext|> | "dog"; dog: d o (127), do g</w> (1417) -> 1929
        assertEquals(List.of("a</w>", "cat</w>", "<|endoftext|>", "dog</w>"), tokenizer.tokens("a cat<|endoftext|>dog"));
        assertIds("a cat<|endoftext|>dog", 320, 2368, EOS, 1929);
        // not the literal (case differs): lower-cased by the cleaner, then matched by CLIP's regex alternative
        assertIds("a cat<|ENDOFTEXT|>dog", 320, 2368, EOS, 1929);
        // hi: h i</w> (1371) -> hi</w> (1883)
        assertIds("<|startoftext|>hi", BOS, 1883);
    }

    @Test
    void byteEncodingMapsEveryByteToOneVisibleChar() {
        // GPT-2 bytes_to_unicode: space (0x20) is the 33rd unprintable byte -> U+0100 + 32 = 'Ġ'; '!' maps to itself
        assertEquals("Ġ!", BytePairEncoder.byteEncode(" !"));
        assertEquals("cafÃ©", BytePairEncoder.byteEncode("café"));
    }

    @Test
    void batchHelperBuildsInt64Ids() {
        TorchRuntime.engine();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray ids = tokenizer.inputIds(manager, List.of("a photo of a cat", ""));
            assertEquals(DataType.INT64, ids.getDataType());
            assertArrayEquals(new long[] {2, 77}, ids.getShape().getShape());
            long[] flat = ids.toLongArray();
            assertArrayEquals(padded(A_PHOTO_OF_A_CAT), Arrays.copyOfRange(flat, 0, 77));
            assertArrayEquals(padded(), Arrays.copyOfRange(flat, 77, 154));
        }
    }

    @Test
    void modelMaxLengthComesFromTokenizerConfig(@TempDir Path tmp) throws Exception {
        Files.copy(dir.resolve("vocab.json"), tmp.resolve("vocab.json"));
        Files.copy(dir.resolve("merges.txt"), tmp.resolve("merges.txt"));
        // without tokenizer_config.json / special_tokens_map.json: CLIPTokenizer's defaults
        ClipTokenizer defaults = ClipTokenizer.load(tmp);
        assertEquals(77, defaults.maxLength());
        assertArrayEquals(padded(A_PHOTO_OF_A_CAT), defaults.encode("a photo of a cat").inputIds());
        // a shorter model_max_length truncates to max-2 text tokens; "!" as pad token (as SD 2.x tokenizers)
        Files.writeString(tmp.resolve("tokenizer_config.json"),
                "{\"model_max_length\": 5, \"pad_token\": {\"content\": \"!\", \"lstrip\": false}}");
        ClipTokenizer shortTok = ClipTokenizer.load(tmp);
        assertEquals(0, shortTok.padTokenId()); // vocab "!" = 0
        ClipTokenizer.Encoding e = shortTok.encode("a photo of a cat");
        assertArrayEquals(new long[] {BOS, 320, 1125, 539, EOS}, e.inputIds());
        assertEquals(6, e.untruncatedLength()); // > 5: truncated (tokenizing stopped one token past the 3 kept)
        ClipTokenizer.Encoding padded = shortTok.encode("cat");
        assertArrayEquals(new long[] {BOS, 2368, EOS, 0, 0}, padded.inputIds());
        assertArrayEquals(new long[] {1, 1, 1, 0, 0}, padded.attentionMask());
        // options we do not implement are refused
        Files.writeString(tmp.resolve("tokenizer_config.json"),
                "{\"pad_token\": {\"content\": \"!\", \"rstrip\": true}}");
        assertThrows(WeightLoadException.class, () -> ClipTokenizer.load(tmp));
    }

    @Test
    void concurrentEncodingAgrees() throws Exception {
        List<String> prompts = List.of("a photo of a cat", "they're", "naïve café", "a猫b", "wow!!!", "2023");
        List<long[]> expected = new ArrayList<>();
        for (String p : prompts) {
            expected.add(tokenizer.encode(p).inputIds());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 50; round++) {
                        for (int i = 0; i < prompts.size(); i++) {
                            if (!Arrays.equals(expected.get(i), tokenizer.encode(prompts.get(i)).inputIds())) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
