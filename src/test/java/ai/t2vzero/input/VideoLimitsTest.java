package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.VideoReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decode bombs made with the real FFmpeg CLI: small files whose streams would decode to enormous pixel counts or run
 * for hours are refused (422 naming {@code video}) from their stream info, before a frame is decoded.
 */
class VideoLimitsTest {

    static final VideoLimits DEFAULTS = new VideoLimits(4096L * 4096, 240, Duration.ofMinutes(10));

    @TempDir
    static Path dir;
    static Path huge;
    static Path tenHours;
    static Path normal;

    @BeforeAll
    static void makeBombs() throws Exception {
        // 4096x4112 frames (just past 4096x4096) at 1000 fps (a few frames: the header is what counts)
        huge = ffmpeg("huge.mkv", "-f", "lavfi", "-i", "color=c=black:size=4096x4112:rate=1000", "-frames:v", "3",
                "-c:v", "mpeg4", "-q:v", "31");
        // 10 hours of tiny frames at 1 fps
        tenHours = ffmpeg("ten-hours.mkv", "-f", "lavfi", "-i", "color=c=black:size=16x16:rate=1", "-t", "36000",
                "-c:v", "mpeg4", "-q:v", "31");
        normal = ffmpeg("normal.mp4", "-f", "lavfi", "-i", "testsrc=size=128x96:rate=8", "-t", "2", "-c:v", "mpeg4");
    }

    static Path ffmpeg(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-y", "-loglevel", "error"));
        cmd.addAll(List.of(args));
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ffmpeg " + name);
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        return out;
    }

    @Test
    void aHugeFrameIsRefusedFromItsHeader() {
        VideoInputException e = assertThrows(VideoInputException.class,
                () -> DEFAULTS.check(new VideoReader(huge).info(), "video"));
        assertEquals(422, e.status());
        assertEquals("video", e.field());
        assertTrue(e.getMessage().contains("t2v.inputs.max-pixels"), e.getMessage());
    }

    @Test
    void aThousandFpsClipIsRefused() {
        VideoLimits manyPixelsAllowed = new VideoLimits(Long.MAX_VALUE, 240, Duration.ofMinutes(10));
        VideoInputException e = assertThrows(VideoInputException.class,
                () -> manyPixelsAllowed.check(new VideoReader(huge).info(), "video"));
        assertTrue(e.getMessage().contains("t2v.inputs.max-fps"), e.getMessage());
    }

    @Test
    void aTenHourClipIsRefused() {
        VideoInputException e = assertThrows(VideoInputException.class,
                () -> DEFAULTS.check(new VideoReader(tenHours).info(), "video"));
        assertEquals(422, e.status());
        assertTrue(e.getMessage().contains("t2v.inputs.max-duration"), e.getMessage());
    }

    @Test
    void anOrdinaryClipPasses() {
        DEFAULTS.check(new VideoReader(normal).info(), "video");
    }

    @Test
    void decodeRefusesABombBeforeDecodingAndDeletesTheFile() throws IOException {
        Path copy = dir.resolve("bomb-copy.mkv");
        Files.copy(tenHours, copy);
        // no Quarkus: the decode path of VideoInputs with the default limits
        VideoInputs inputs = new VideoInputs(null, DEFAULTS, Duration.ofSeconds(30));
        VideoInputException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(
                VideoInputException.class, () -> inputs.decode(copy, "video", 4, 8, 512, new StageTimer())));
        assertEquals("video_too_demanding", e.code());
        assertFalse(Files.exists(copy));
    }
}
