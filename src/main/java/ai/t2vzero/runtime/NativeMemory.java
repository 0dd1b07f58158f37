package ai.t2vzero.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process memory as the kernel sees it (libtorch allocates outside the Java heap, so the JVM's own counters miss
 * it). Reads {@code /proc/self/status}: VmRSS (resident now) and VmHWM (peak resident). {@link #resetPeak()}
 * writes "5" to {@code /proc/self/clear_refs}, which resets VmHWM on Linux.
 */
public final class NativeMemory {

    private NativeMemory() {}

    public static long residentBytes() {
        return readKb("VmRSS:") * 1024L;
    }

    public static long peakResidentBytes() {
        return readKb("VmHWM:") * 1024L;
    }

    /** Best effort; returns false where the kernel does not allow it. */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static long readKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String v = line.substring(key.length()).trim();
                    return Long.parseLong(v.split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
