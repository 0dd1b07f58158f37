package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityCase;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kind {@code tokenizer}: {@code tokenizer(params.prompts, padding="max_length", max_length=params.max_length,
 * truncation=True)} -> input_ids, attention_mask, untruncated_length; when the case lists {@code params.tokens}
 * (the BPE tokens of each prompt with bos/eos, no padding), they must equal ours.
 */
public final class ClipTokenizerParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        JsonNode params = c.params();
        ClipTokenizer tokenizer = ClipTokenizer.load(c.modelDir());
        int length = params.path("max_length").asInt(tokenizer.maxLength());
        if (!params.path("padding").asText("max_length").equals("max_length") || !params.path("truncation").asBoolean(true)) {
            throw new AssertionError(c.name() + ": only padding=max_length with truncation is implemented, params " + params);
        }
        List<String> prompts = new ArrayList<>();
        params.path("prompts").forEach(p -> prompts.add(p.asText()));
        int n = prompts.size();
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        long[] untruncated = new long[n];
        for (int i = 0; i < n; i++) {
            ClipTokenizer.Encoding e = tokenizer.encode(prompts.get(i), length);
            System.arraycopy(e.inputIds(), 0, ids, i * length, length);
            System.arraycopy(e.attentionMask(), 0, mask, i * length, length);
            // encode stops once the prompt is known to be too long; the full count comes from tokenize()
            untruncated[i] = e.untruncatedLength() <= length ? e.untruncatedLength()
                    : tokenizer.tokens(prompts.get(i)).size() + 2;
            checkTokens(c, tokenizer, params.path("tokens").path(i), prompts.get(i), length);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("input_ids", manager.create(ids, new Shape(n, length)));
        out.put("attention_mask", manager.create(mask, new Shape(n, length)));
        out.put("untruncated_length", manager.create(untruncated, new Shape(n)));
        return out;
    }

    /** params.tokens[i] = the tokens behind the unpadded input ids: bos, BPE tokens (truncated), eos. */
    private static void checkTokens(ParityCase c, ClipTokenizer tokenizer, JsonNode expected, String prompt, int length) {
        if (expected.isMissingNode()) {
            return;
        }
        List<String> want = new ArrayList<>();
        expected.forEach(t -> want.add(t.asText()));
        List<String> bpe = tokenizer.tokens(prompt);
        List<String> got = new ArrayList<>();
        got.add(tokenizer.bosToken());
        got.addAll(bpe.subList(0, Math.min(bpe.size(), length - 2)));
        got.add(tokenizer.eosToken());
        // for an over-long prompt the reference may list the tokens before truncation (tokenize() rather than the
        // ids): bos + every BPE token + eos; both spellings are the same tokenization
        List<String> untruncated = new ArrayList<>();
        untruncated.add(tokenizer.bosToken());
        untruncated.addAll(bpe);
        untruncated.add(tokenizer.eosToken());
        if (!got.equals(want) && !untruncated.equals(want)) {
            throw new AssertionError(c.name() + ": tokens of '" + prompt + "' are " + got + ", reference " + want);
        }
    }
}
