package ai.t2vzero.video;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The containers {@link VideoEncoder} writes, with their media type and file extension. */
public enum VideoFormat {

    /** MP4 with H.264 (yuv420p, +faststart): plays in every browser. */
    MP4("video/mp4", "mp4"),
    /** Animated GIF, looping forever, 256-colour palette computed from the whole clip. */
    GIF("image/gif", "gif");

    private final String mediaType;
    private final String extension;

    VideoFormat(String mediaType, String extension) {
        this.mediaType = mediaType;
        this.extension = extension;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The file extension, without the dot. */
    public String extension() {
        return extension;
    }

    /**
     * {@code "mp4"} or {@code "gif"}, case-insensitive, surrounding blanks ignored.
     *
     * @throws IllegalArgumentException naming the valid values
     */
    public static VideoFormat parse(String name) {
        if (name != null) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            for (VideoFormat f : values()) {
                if (f.extension.equals(n)) {
                    return f;
                }
            }
        }
        String valid = Arrays.stream(values()).map(f -> "\"" + f.extension + "\"").collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown video format " + (name == null ? "null" : "\"" + name + "\"")
                + ": valid values are " + valid);
    }
}
