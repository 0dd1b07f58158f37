package ai.t2vzero.input;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Recognises video containers by their first bytes, whatever a server or client claims in Content-Type.
 *
 * <p>Known signatures: ISO base media (MP4, MOV, 3GP, M4V: a box type {@code ftyp}, or for old QuickTime files
 * {@code moov}/{@code mdat}/{@code free}/{@code wide}/{@code skip}, at offset 4), Matroska/WebM (EBML
 * {@code 1A 45 DF A3}), AVI ({@code RIFF....AVI }), GIF ({@code GIF87a}/{@code GIF89a}), MPEG transport streams
 * (sync byte {@code 0x47} every 188 bytes; M2TS: every 192 bytes from offset 4), MPEG program streams
 * ({@code 00 00 01 BA}), FLV and Ogg. Anything else (HTML, JSON, images, archives) is not a video.
 */
public final class VideoSniffer {

    /** How many leading bytes {@link #sniff} looks at (fewer when the body is shorter). */
    public static final int HEAD_BYTES = 512;

    private VideoSniffer() {
    }

    /** The container name and a file suffix for it, e.g. {@code ("mp4", ".mp4")}. */
    public record Container(String name, String suffix) {
    }

    /** Looks at the first {@code length} bytes of {@code head} (the whole body when it is shorter than {@link #HEAD_BYTES}). */
    public static Optional<Container> sniff(byte[] head, int length) {
        int n = Math.min(length, head.length);
        if (n >= 8 && isIsoBox(head)) {
            return Optional.of(new Container("mp4", ascii(head, 4, 8).equals("ftyp") && isQuickTimeBrand(head, n) ? ".mov" : ".mp4"));
        }
        if (n >= 4 && (head[0] & 0xff) == 0x1a && (head[1] & 0xff) == 0x45 && (head[2] & 0xff) == 0xdf && (head[3] & 0xff) == 0xa3) {
            return Optional.of(new Container("matroska", ".mkv"));
        }
        if (n >= 12 && ascii(head, 0, 4).equals("RIFF") && ascii(head, 8, 12).equals("AVI ")) {
            return Optional.of(new Container("avi", ".avi"));
        }
        if (n >= 6 && (ascii(head, 0, 6).equals("GIF87a") || ascii(head, 0, 6).equals("GIF89a"))) {
            return Optional.of(new Container("gif", ".gif"));
        }
        if (isTransportStream(head, n, 0, 188)) {
            return Optional.of(new Container("mpegts", ".ts"));
        }
        if (isTransportStream(head, n, 4, 192)) {
            return Optional.of(new Container("m2ts", ".m2ts"));
        }
        if (n >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 1 && (head[3] & 0xff) == 0xba) {
            return Optional.of(new Container("mpeg", ".mpg"));
        }
        if (n >= 4 && ascii(head, 0, 3).equals("FLV") && head[3] == 1) {
            return Optional.of(new Container("flv", ".flv"));
        }
        if (n >= 4 && ascii(head, 0, 4).equals("OggS")) {
            return Optional.of(new Container("ogg", ".ogv"));
        }
        return Optional.empty();
    }

    private static boolean isIsoBox(byte[] b) {
        long size = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
        String type = ascii(b, 4, 8);
        boolean sizeOk = size == 1 || size >= 8; // 1: 64-bit size follows the type
        return sizeOk && switch (type) {
            case "ftyp", "moov", "mdat", "free", "wide", "skip" -> true;
            default -> false;
        };
    }

    private static boolean isQuickTimeBrand(byte[] b, int n) {
        return n >= 12 && ascii(b, 8, 12).equals("qt  ");
    }

    /** Sync byte 0x47 at {@code offset}, and again every {@code stride} bytes as far as {@code n} allows (at least twice). */
    private static boolean isTransportStream(byte[] b, int n, int offset, int stride) {
        if (n < offset + stride + 1) {
            return false;
        }
        for (int i = offset; i < n; i += stride) {
            if ((b[i] & 0xff) != 0x47) {
                return false;
            }
        }
        return true;
    }

    private static String ascii(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
