package ai.t2vzero.artifact;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Artifact ids and media types, shared by the stores: every store names and types artifacts the same way. */
final class ArtifactIds {

    /** 32 lowercase hex digits (128 random bits), a dot, the extension. */
    static final Pattern ID = Pattern.compile("[0-9a-f]{32}\\.[a-z0-9]{1,8}");

    /** Extensions an artifact may have, with their media types. */
    static final Map<String, String> CONTENT_TYPES = Map.of(
            "mp4", "video/mp4",
            "webm", "video/webm",
            "gif", "image/gif",
            "png", "image/png",
            "jpg", "image/jpeg",
            "json", "application/json");

    private static final SecureRandom RANDOM = new SecureRandom();

    private ArtifactIds() {}

    /**
     * A fresh id for content of this extension ("mp4", ".MP4").
     *
     * @param contentType null, or the extension's media type
     * @throws IllegalArgumentException for an extension without a known media type, or a contradicting type
     */
    static String newId(String extension, String contentType) {
        String ext = extension.startsWith(".") ? extension.substring(1) : extension;
        ext = ext.toLowerCase(Locale.ROOT);
        String type = CONTENT_TYPES.get(ext);
        if (type == null) {
            throw new IllegalArgumentException("unsupported artifact extension \"" + extension + "\"; known: "
                    + String.join(", ", CONTENT_TYPES.keySet()));
        }
        if (contentType != null && !contentType.equalsIgnoreCase(type)) {
            throw new IllegalArgumentException("content type " + contentType + " does not match extension ." + ext
                    + " (" + type + ")");
        }
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return HexFormat.of().formatHex(bits) + "." + ext;
    }

    static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** The media type of a well-formed id's extension. */
    static String contentType(String id) {
        return CONTENT_TYPES.getOrDefault(id.substring(id.lastIndexOf('.') + 1), "application/octet-stream");
    }
}
