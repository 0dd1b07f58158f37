package ai.t2vzero.config;

import org.eclipse.microprofile.config.spi.Converter;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads {@code t2v.work-dir} and refuses a folder this process cannot write, while the configuration is read: that is
 * the first step of startup, before Vert.x creates its file cache below the work directory, so a read-only work
 * directory stops startup with a message naming the key (not Vert.x' "unable to create folder"). Nothing is written
 * here: the folder, or its nearest existing parent when it does not exist yet, must be a directory that
 * {@code access(W_OK)} allows (which also says no on a read-only mount, even to root). {@link WorkDirectory} then
 * creates it and proves it takes a file.
 */
public final class WorkDirConverter implements Converter<Path> {

    @Override
    public Path convert(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Path dir = Path.of(value.strip());
        Path abs = dir.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        String reason = existing == null ? "no existing parent folder"
                : !Files.isDirectory(existing) ? existing + " is not a directory"
                : !Files.isWritable(existing) ? existing + " is read-only for this process" : null;
        if (reason != null) {
            throw new IllegalArgumentException(WorkDirectory.notWritable("t2v.work-dir", abs, reason));
        }
        return dir;
    }
}
