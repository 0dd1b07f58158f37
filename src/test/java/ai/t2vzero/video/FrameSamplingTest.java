package ai.t2vzero.video;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expected indices come from the app's arithmetic, run in Python:
 * <pre>
 * def idx(n, fps, out_fps, start_t=0, end_t=-1):   # utils.prepare_video with len(vr) = n, get_avg_fps() = fps
 *     if out_fps == -1: out_fps = int(fps)
 *     end_t = n / fps if end_t == -1 else min(n / fps, end_t)
 *     s, e, num = int(start_t * fps), int(end_t * fps), int((end_t - start_t) * out_fps)
 *     return np.linspace(s, e, num, endpoint=False).astype(int).tolist()
 * </pre>
 */
class FrameSamplingTest {

    @Test
    void wholeVideoAtTargetFps() {
        // idx(30, 12, 4)
        assertArrayEquals(new int[] {0, 3, 6, 9, 12, 15, 18, 21, 24, 27}, FrameSampling.of(4, 0).frameIndices(12, 30));
        // idx(100, 30000/1001, 4)
        assertArrayEquals(new int[] {0, 7, 15, 23, 30, 38, 46, 53, 61, 69, 76, 84, 92},
                FrameSampling.of(4, 0).frameIndices(30000.0 / 1001, 100));
        // idx(7, 4, 3)
        assertArrayEquals(new int[] {0, 1, 2, 4, 5}, FrameSampling.of(3, 0).frameIndices(4, 7));
    }

    @Test
    void startAndEnd() {
        // idx(30, 12, 4, 0.5, 2.0)
        assertArrayEquals(new int[] {6, 9, 12, 15, 18, 21}, new FrameSampling(0.5, 2.0, 4, 0).frameIndices(12, 30));
        // idx(250, 25, 8, 1.3, 7.7)
        assertArrayEquals(new int[] {32, 35, 38, 41, 44, 47, 50, 53, 57, 60, 63, 66, 69, 72, 75, 79, 82, 85, 88, 91,
                        94, 97, 101, 104, 107, 110, 113, 116, 119, 122, 126, 129, 132, 135, 138, 141, 144, 148, 151,
                        154, 157, 160, 163, 166, 170, 173, 176, 179, 182, 185, 188},
                new FrameSampling(1.3, 7.7, 8, 0).frameIndices(25, 250));
        // an end past the video is the video's end: idx(120, 29.97, 4, 0, 100)
        assertArrayEquals(new int[] {0, 7, 15, 22, 30, 37, 45, 52, 60, 67, 75, 82, 90, 97, 105, 112},
                new FrameSampling(0, 100, 4, 0).frameIndices(29.97, 120));
    }

    @Test
    void sourceRateWhenNoTarget() {
        // idx(30, 12, -1) == list(range(30))
        int[] all = FrameSampling.of(-1, 0).frameIndices(12, 30);
        assertEquals(30, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i, all[i]);
        }
        assertEquals(29, FrameSampling.of(0, 0).outputFps(29.97)); // int(initial_fps)
        assertEquals(8, FrameSampling.of(8, 0).outputFps(29.97));
    }

    @Test
    void upsamplingRepeatsFrames() {
        // idx(30, 12, 24)[:8], 60 in all
        int[] idx = FrameSampling.of(24, 0).frameIndices(12, 30);
        assertEquals(60, idx.length);
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3}, java.util.Arrays.copyOf(idx, 8));
    }

    @Test
    void maxFramesKeepsTheFirstSamples() {
        assertArrayEquals(new int[] {0, 3, 6, 9}, FrameSampling.of(4, 4).frameIndices(12, 30));
        assertEquals(10, FrameSampling.of(4, 100).frameIndices(12, 30).length);
    }

    @Test
    void emptyClipsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FrameSampling(3, -1, 4, 0).frameIndices(12, 30));
        assertTrue(e.getMessage().contains("must be before end"), e.getMessage());
        // 0.2 s at 4 fps holds int(0.8) = 0 frames
        assertThrows(IllegalArgumentException.class, () -> new FrameSampling(0, 0.2, 4, 0).frameIndices(12, 30));
        assertThrows(IllegalArgumentException.class, () -> FrameSampling.of(4, 0).frameIndices(12, 0));
        assertThrows(IllegalArgumentException.class, () -> new FrameSampling(-1, -1, 4, 0));
        // a source below 1 fps has no integer rate of its own
        assertThrows(IllegalArgumentException.class, () -> FrameSampling.of(-1, 0).frameIndices(0.5, 10));
    }
}
