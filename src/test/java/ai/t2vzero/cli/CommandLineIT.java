package ai.t2vzero.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README command 1 on the packaged app with its output piped (not a terminal): stdout holds only the result and its
 * last line is the video's path; the progress goes to stderr as one plain line per finished stage (no bar drawing).
 */
class CommandLineIT {

    @Test
    void pipedOutputHasALinePerStageAndEndsWithThePath() throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target/cli-it"));
        Path out = dir.resolve("horse.mp4");
        Files.deleteIfExists(out);
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Dai.djl.offline=true", "-Dt2v.artifacts.dir=target/cli-it/artifacts",
                "-jar", "target/quarkus-app/quarkus-run.jar",
                "text-to-video", "--prompt", "a horse galloping on a street", "--video-length", "2", "--height", "64",
                "--width", "64", "--num-inference-steps", "4", "--t0", "1", "--t1", "2", "--seed", "3",
                "--out", out.toString())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the command did not end within 10 minutes");
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        List<String> lines = Files.readAllLines(stdout, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "exit code; stderr:\n" + err);

        assertFalse(lines.isEmpty(), "stdout is empty; stderr:\n" + err);
        assertEquals("video: " + out.toAbsolutePath(), lines.get(lines.size() - 1), "stdout's last line is the path");
        assertTrue(Files.size(out) > 0);
        assertTrue(lines.stream().noneMatch(l -> l.contains(" INFO ")), "the log is not on stdout:\n" + lines);

        assertFalse(err.contains("\r"), "no bar drawn when stderr is not a terminal");
        List<String> stages = err.lines().filter(l -> l.matches("text-to-video: \\S+ \\d+/\\d+ done in .*")).toList();
        assertTrue(stages.size() >= 4, "a line per stage (text encoding, denoising, decoding, encoding...):\n" + err);
        assertTrue(stages.get(stages.size() - 1).endsWith(", 100%)"), "the last stage completes the job: " + stages);
    }
}
