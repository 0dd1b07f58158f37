package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.WeightLoadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * transformers' slow {@code CLIPTokenizer} as Stable Diffusion pipelines call it
 * ({@code tokenizer(prompt, padding="max_length", max_length=model_max_length, truncation=True)}), loaded from a
 * diffusers {@code tokenizer/} folder ({@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}).
 *
 * <p>Per prompt:
 * <ol>
 *   <li>literal added/special tokens ({@code <|startoftext|>}, {@code <|endoftext|>}, ...) are cut out first
 *       (case-sensitive) and kept whole;</li>
 *   <li>every other piece is cleaned by {@link BasicTextCleaner} (the fallback used without {@code ftfy}: control
 *       characters dropped, whitespace normalized, CJK ideographs isolated, NFC, lowercase);</li>
 *   <li>CLIP's pre-tokenizer regex splits it into letter runs, single digits, punctuation runs and the
 *       {@code 's 't 're 've 'm 'll 'd} contractions;</li>
 *   <li>each pre-token is byte-encoded and BPE-merged ({@link BytePairEncoder}), symbols become vocab ids;</li>
 *   <li>{@code [bos] + ids[:maxLength-2] + [eos]}, right-padded with the pad id to {@code maxLength}.</li>
 * </ol>
 * Immutable and thread-safe (the BPE cache is synchronized).
 */
public final class ClipTokenizer {

    /** One encoded prompt: ids and mask of length maxLength, and the length before truncation (bos/eos included). */
    public record Encoding(long[] inputIds, long[] attentionMask, int untruncatedLength) {}

    /** transformers reads only the first {@code 49152 - 256 - 2} merges of CLIP's merges.txt (after its header). */
    static final int MAX_MERGES = 49152 - 256 - 2;
    /** CLIP's pre-tokenizer; matched case-insensitively, as transformers compiles it. */
    private static final Pattern PRE_TOKENIZER = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    /** The two literals of the regex above, which CLIP's BPE returns unchanged (no {@code </w>}). */
    private static final Set<String> REGEX_SPECIALS = Set.of("<|startoftext|>", "<|endoftext|>");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> addedTokens; // literal -> id, cut out before cleaning
    private final BytePairEncoder bpe;
    private final int maxLength;
    private final String bosToken;
    private final String eosToken;
    private final int bosTokenId;
    private final int eosTokenId;
    private final int padTokenId;
    private final int unkTokenId;

    private ClipTokenizer(Map<String, Integer> vocab, Map<String, Integer> addedTokens, BytePairEncoder bpe,
                          int maxLength, String bosToken, String eosToken, int padTokenId, int unkTokenId) {
        this.vocab = vocab;
        this.addedTokens = addedTokens;
        this.bpe = bpe;
        this.maxLength = maxLength;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.bosTokenId = addedTokens.get(bosToken);
        this.eosTokenId = addedTokens.get(eosToken);
        this.padTokenId = padTokenId;
        this.unkTokenId = unkTokenId;
    }

    /**
     * Loads a diffusers {@code tokenizer/} folder. {@code tokenizer_config.json} and {@code special_tokens_map.json}
     * are optional (the latter wins, as in transformers); absent values default to CLIPTokenizer's: max length 77,
     * bos {@code <|startoftext|>}, eos/pad/unk {@code <|endoftext|>}.
     */
    public static ClipTokenizer load(Path dir) {
        // 1. vocab.json: token -> id
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode v = readJson(dir.resolve("vocab.json"), true);
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isIntegralNumber()) {
                throw new WeightLoadException(dir.resolve("vocab.json") + ": id of '" + e.getKey() + "' is not an integer");
            }
            vocab.put(e.getKey(), e.getValue().intValue());
        });

        // 2. merges.txt: header line, then "first second" pairs in rank order
        BytePairEncoder bpe = new BytePairEncoder(readMerges(dir.resolve("merges.txt")), REGEX_SPECIALS);

        // 3. special tokens: tokenizer_config.json, overridden by special_tokens_map.json
        JsonNode config = readJson(dir.resolve("tokenizer_config.json"), false);
        JsonNode specialMap = readJson(dir.resolve("special_tokens_map.json"), false);
        Map<String, Integer> added = new LinkedHashMap<>();
        JsonNode decoder = config.path("added_tokens_decoder");
        decoder.fields().forEachRemaining(e -> {
            rejectStripFlags(dir, "added_tokens_decoder." + e.getKey(), e.getValue());
            added.put(e.getValue().path("content").asText(), Integer.parseInt(e.getKey()));
        });
        JsonNode addedFile = readJson(dir.resolve("added_tokens.json"), false);
        addedFile.fields().forEachRemaining(e -> added.put(e.getKey(), e.getValue().intValue()));
        String bos = specialToken(dir, config, specialMap, "bos_token", "<|startoftext|>");
        String eos = specialToken(dir, config, specialMap, "eos_token", "<|endoftext|>");
        String pad = specialToken(dir, config, specialMap, "pad_token", "<|endoftext|>");
        String unk = specialToken(dir, config, specialMap, "unk_token", "<|endoftext|>");
        for (String special : List.of(bos, eos, pad, unk)) {
            if (!added.containsKey(special)) {
                Integer id = vocab.get(special);
                if (id == null) {
                    throw new WeightLoadException(dir + ": special token '" + special + "' is not in vocab.json");
                }
                added.put(special, id);
            }
        }

        // 4. model_max_length
        int maxLength = 77;
        JsonNode m = config.get("model_max_length");
        if (m != null && !m.isNull()) {
            if (!m.canConvertToInt() || !m.isIntegralNumber() || m.intValue() < 2 || m.intValue() > 1 << 20) {
                throw new WeightLoadException(dir.resolve("tokenizer_config.json") + ": model_max_length " + m
                        + " is not supported (an integer in [2, " + (1 << 20) + "] is required)");
            }
            maxLength = m.intValue();
        }
        return new ClipTokenizer(Map.copyOf(vocab), Map.copyOf(added), bpe, maxLength,
                bos, eos, added.get(pad), added.get(unk));
    }

    /** The sequence length of {@link #encode(String)}: {@code model_max_length} (77 for CLIP). */
    public int maxLength() {
        return maxLength;
    }

    /** The bos token's text ({@code <|startoftext|>} for CLIP). */
    public String bosToken() {
        return bosToken;
    }

    /** The eos token's text ({@code <|endoftext|>} for CLIP). */
    public String eosToken() {
        return eosToken;
    }

    public int bosTokenId() {
        return bosTokenId;
    }

    public int eosTokenId() {
        return eosTokenId;
    }

    public int padTokenId() {
        return padTokenId;
    }

    /** The tokens of {@code text} as {@code tokenizer.tokenize(text)} gives them: no bos/eos, no truncation. */
    public List<String> tokens(String text) {
        return tokens(text, Integer.MAX_VALUE);
    }

    /**
     * The first tokens of {@code text}, stopping as soon as {@code limit} exist (a few more may come from the last
     * word): the same tokens as the start of {@link #tokens(String)}, since every step (added-token split, cleaning,
     * pre-tokenizing, BPE per word) works left to right. Bounds the work of an over-long prompt by what is kept.
     */
    public List<String> tokens(String text, int limit) {
        List<String> out = new ArrayList<>();
        AddedTokenSplitter pieces = new AddedTokenSplitter(text);
        for (String[] piece = pieces.next(); piece != null && out.size() < limit; piece = pieces.next()) {
            if (piece[1] != null) {
                out.add(piece[0]);
                continue;
            }
            String cleaned = String.join(" ", BasicTextCleaner.words(piece[0]));
            Matcher matcher = PRE_TOKENIZER.matcher(cleaned);
            while (out.size() < limit && matcher.find()) {
                out.addAll(bpe.encode(BytePairEncoder.byteEncode(matcher.group())));
            }
        }
        return out;
    }

    /** The id of one token (added tokens first, then the vocab, else the unk id). */
    public int tokenId(String token) {
        Integer id = addedTokens.get(token);
        if (id == null) {
            id = vocab.get(token);
        }
        return id == null ? unkTokenId : id;
    }

    /** {@link #encode(String, int)} at {@link #maxLength()}. */
    public Encoding encode(String prompt) {
        return encode(prompt, maxLength);
    }

    /**
     * {@code [bos] + ids[:length-2] + [eos]}, padded with the pad id to {@code length}; mask 1 on real tokens.
     * Tokenizing stops once {@code length - 1} text tokens exist (one more than fit), so the work is bounded whatever
     * the prompt's size; {@code untruncatedLength} is exact up to {@code length}, and {@code > length} means the
     * prompt was truncated ({@link #tokens(String)} gives the full count).
     */
    public Encoding encode(String prompt, int length) {
        if (length < 2) {
            throw new IllegalArgumentException("max length must be >= 2 (bos + eos), got " + length);
        }
        List<String> tokens = tokens(prompt, length - 1);
        int kept = Math.min(tokens.size(), length - 2);
        long[] ids = new long[length];
        long[] mask = new long[length];
        Arrays.fill(ids, padTokenId);
        ids[0] = bosTokenId;
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = tokenId(tokens.get(i));
        }
        ids[kept + 1] = eosTokenId;
        Arrays.fill(mask, 0, kept + 2, 1L);
        return new Encoding(ids, mask, tokens.size() + 2);
    }

    /** The input ids of a batch of prompts: [N, maxLength] int64, owned by {@code manager}. */
    public NDArray inputIds(NDManager manager, List<String> prompts) {
        long[] flat = new long[prompts.size() * maxLength];
        for (int n = 0; n < prompts.size(); n++) {
            System.arraycopy(encode(prompts.get(n)).inputIds(), 0, flat, n * maxLength, maxLength);
        }
        return manager.create(flat, new Shape(prompts.size(), maxLength)); // [N, L]
    }

    /**
     * transformers' added-token split, one piece at a time: the leftmost occurrence of any added token (the longest
     * one where several start there) is cut out, repeatedly. {@link #next} returns {text, null} for plain text and
     * {token, token} for added tokens (empty text pieces are dropped), null at the end. The next occurrence of each
     * added token is remembered and searched again only once the cut passes it: linear in the text, not quadratic.
     */
    private final class AddedTokenSplitter {
        private final String text;
        private final String[] tokens = addedTokens.keySet().toArray(String[]::new);
        private final int[] nextAt = new int[tokens.length];
        private int from;
        private String[] pending;

        AddedTokenSplitter(String text) {
            this.text = text;
            java.util.Arrays.fill(nextAt, -2); // not searched yet
        }

        String[] next() {
            if (pending != null) {
                String[] p = pending;
                pending = null;
                return p;
            }
            if (from >= text.length()) {
                return null;
            }
            int bestAt = -1;
            String best = null;
            for (int k = 0; k < tokens.length; k++) {
                String token = tokens[k];
                if (token.isEmpty()) {
                    continue;
                }
                if (nextAt[k] == -2 || (nextAt[k] >= 0 && nextAt[k] < from)) {
                    nextAt[k] = text.indexOf(token, from);
                }
                int at = nextAt[k];
                if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && token.length() > best.length()))) {
                    bestAt = at;
                    best = token;
                }
            }
            if (best == null) {
                String[] rest = {text.substring(from), null};
                from = text.length();
                return rest;
            }
            String[] added = {best, best};
            String[] before = bestAt > from ? new String[] {text.substring(from, bestAt), null} : null;
            from = bestAt + best.length();
            if (before == null) {
                return added;
            }
            pending = added;
            return before;
        }
    }

    private static List<String[]> readMerges(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WeightLoadException("cannot read tokenizer merges " + file + ": " + e.getMessage(), e);
        }
        String[] lines = text.strip().split("\n", -1);
        List<String[]> merges = new ArrayList<>();
        // line 0 is the "#version" header; transformers keeps at most MAX_MERGES pairs after it
        for (int i = 1; i < lines.length && merges.size() < MAX_MERGES; i++) {
            String[] pair = lines[i].strip().split("\\s+");
            if (pair.length != 2) {
                throw new WeightLoadException(file + ": line " + (i + 1) + " is not a merge pair: '" + lines[i] + "'");
            }
            merges.add(pair);
        }
        return merges;
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new WeightLoadException("tokenizer file " + file + " is missing");
            }
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new WeightLoadException(file + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new WeightLoadException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** A special token's content: a string or an AddedToken object {"content": ...}; special_tokens_map wins. */
    private static String specialToken(Path dir, JsonNode config, JsonNode specialMap, String key, String dflt) {
        JsonNode n = specialMap.has(key) ? specialMap.get(key) : config.get(key);
        if (n == null) {
            return dflt;
        }
        if (n.isNull()) {
            throw new WeightLoadException(dir + ": '" + key + "' is null; CLIP padding and truncation need it");
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        rejectStripFlags(dir, key, n);
        JsonNode content = n.get("content");
        if (content == null || !content.isTextual()) {
            throw new WeightLoadException(dir + ": '" + key + "' must be a string or {\"content\": ...}, got " + n);
        }
        return content.textValue();
    }

    /** CLIP's tokens keep their neighbours' whitespace; AddedToken options that would strip it are not implemented. */
    private static void rejectStripFlags(Path dir, String key, JsonNode token) {
        for (String flag : List.of("lstrip", "rstrip", "single_word")) {
            if (token.path(flag).asBoolean(false)) {
                throw new WeightLoadException(dir + ": token '" + key + "' sets " + flag + "=true, which is not supported");
            }
        }
    }
}
