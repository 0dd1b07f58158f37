package ai.t2vzero.cli;

import ai.t2vzero.bundle.RandomBundleWriter;

import java.nio.file.Path;

/**
 * {@code WriteRandomBundle bundle|controlnet PRESET DIR}: writes a random-weight bundle (seed 1234) and exits. The
 * benchmark runs it as a separate JVM, so that the writer's buffers never count in the benchmark's memory figures.
 */
public final class WriteRandomBundle {

    private WriteRandomBundle() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: WriteRandomBundle bundle|controlnet PRESET DIR");
        }
        Path target = Path.of(args[2]);
        switch (args[0]) {
            case "bundle" -> RandomBundleWriter.write(args[1], target, 1234);
            case "controlnet" -> RandomBundleWriter.writeControlNet(args[1], target, 1234);
            default -> throw new IllegalArgumentException("bundle or controlnet, not '" + args[0] + "'");
        }
    }
}
