package ai.t2vzero.bundle;

import ai.t2vzero.weights.SingleFileCheckpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The single-file checkpoints of the models volume: a request's {@code model} names one by its file name
 * ({@code "model": "my-dreambooth.safetensors"}); a name without a checkpoint ending names a diffusers folder.
 */
final class CheckpointFiles {

    private CheckpointFiles() {
    }

    /** File names on {@code dir} that a request may name as a single-file model. */
    static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".") && SingleFileCheckpoint.isCheckpointName(n)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
