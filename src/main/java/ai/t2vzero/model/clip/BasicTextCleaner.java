package ai.t2vzero.model.clip;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text cleaning that transformers' slow {@code CLIPTokenizer} falls back to when {@code ftfy} is not installed:
 * BERT's {@code BasicTokenizer(strip_accents=False, do_split_on_punc=False)}. In order:
 * <ol>
 *   <li>drop NUL, U+FFFD and every "other" character (general category C*: controls, formats such as zero-width
 *       spaces, private use, unassigned, lone surrogates), except tab, LF and CR;</li>
 *   <li>map tab, LF, CR and every space separator (Zs) to a plain space;</li>
 *   <li>put spaces around CJK ideographs (so each one is a word of its own);</li>
 *   <li>NFC-normalize (accents are kept, not stripped);</li>
 *   <li>split on whitespace (Python's {@code str.split()}) and lowercase each word.</li>
 * </ol>
 * Punctuation is not split here: CLIP's own regex does that afterwards.
 */
final class BasicTextCleaner {

    private BasicTextCleaner() {}

    /** The cleaned, lowercased words of {@code text}, in order (none for blank text). */
    static List<String> words(String text) {
        // 1.-3. per code point: remove controls, normalize whitespace, isolate CJK ideographs
        StringBuilder sb = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isBertWhitespace(cp)) {
                sb.append(' ');
            } else if (isCjkIdeograph(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        // 4. NFC
        String normalized = Normalizer.normalize(sb, Normalizer.Form.NFC);
        // 5. whitespace split + lowercase
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            if (isPythonWhitespace(cp)) {
                if (start >= 0) {
                    words.add(normalized.substring(start, i).toLowerCase(Locale.ROOT));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            words.add(normalized.substring(start).toLowerCase(Locale.ROOT));
        }
        return words;
    }

    /** BERT's {@code _is_control}: category C*, but tab/LF/CR count as whitespace instead. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
    }

    /** BERT's {@code _is_whitespace}: space, tab, LF, CR, or a space separator (Zs). */
    static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /**
     * Python's {@code str.isspace()} (what {@code str.split()} splits on): the ASCII separators, the C1 NEL, and the
     * Zs/Zl/Zp categories. After step 1 only the space and U+2028/U+2029 can still occur.
     */
    static boolean isPythonWhitespace(int cp) {
        if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** BERT's {@code _is_chinese_char}: the CJK Unified Ideographs blocks and their extensions/compatibility forms. */
    static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
