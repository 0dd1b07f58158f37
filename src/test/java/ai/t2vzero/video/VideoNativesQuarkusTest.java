package ai.t2vzero.video;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FFmpeg and OpenCV natives load inside Quarkus' class loader too, after the plain unit tests of this JVM have
 * loaded them in the application class loader (JavaCPP then loads renamed copies of the libraries).
 */
@QuarkusTest
class VideoNativesQuarkusTest {

    @TempDir
    Path dir;

    @Test
    void encodesReadsAndDetectsEdgesInQuarkus() throws Exception {
        assertTrue(VideoEncoder.class.getClassLoader().getClass().getName().contains("Quarkus"),
                VideoEncoder.class.getClassLoader().toString());
        Path mp4 = dir.resolve("q.mp4");
        new VideoEncoder().encode(SyntheticFrames.movingSquare(128, 64, 4, 4), VideoFormat.MP4, mp4);
        VideoFrames v = new VideoReader(mp4).readFrames(4, 8);
        assertEquals(4, v.frameCount());
        assertEquals(512, v.width());
        assertEquals(256, v.height());
        VideoFrames edges = new CannyEdges().apply(v);
        assertEquals(4, edges.frameCount());
    }
}
