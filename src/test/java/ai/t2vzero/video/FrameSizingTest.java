package ai.t2vzero.video;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expected sizes from the app's rule, run in Python:
 * {@code k = 512.0 / max(h, w); (int(np.round(h * k / 64.0)) * 64, int(np.round(w * k / 64.0)) * 64)}.
 */
class FrameSizingTest {

    @Test
    void longerSideBecomesTheResolution() {
        assertEquals(new FrameSizing.Size(512, 384), FrameSizing.fit(640, 480));   // (480, 640) -> 384, 512
        assertEquals(new FrameSizing.Size(384, 512), FrameSizing.fit(480, 640));   // portrait
        assertEquals(new FrameSizing.Size(512, 384), FrameSizing.fit(320, 240));   // upscaled: (240, 320) -> 384, 512
        assertEquals(new FrameSizing.Size(512, 512), FrameSizing.fit(100, 100));
    }

    @Test
    void halvesRoundToEvenAsNumpyDoes() {
        // 640x360: h = 360 * 0.8 = 288.0, 288 / 64 = 4.5, np.round(4.5) = 4.0 -> 256 (not 320)
        assertEquals(new FrameSizing.Size(512, 256), FrameSizing.fit(640, 360));
        assertEquals(new FrameSizing.Size(512, 256), FrameSizing.fit(1920, 1080));
        assertEquals(new FrameSizing.Size(512, 256), FrameSizing.fit(1280, 720));
        // 512x352: k = 1, 352 / 64 = 5.5, np.round(5.5) = 6.0 (the even neighbour) -> 384
        assertEquals(new FrameSizing.Size(512, 384), FrameSizing.fit(512, 352));
    }

    @Test
    void otherResolutions() {
        // k = 768 / 1280 = 0.6: h = 432 -> 6.75 -> 7 -> 448
        assertEquals(new FrameSizing.Size(768, 448), FrameSizing.fit(1280, 720, 768));
        // k = 256 / 640: h = 144 -> 2.25 -> 2 -> 128
        assertEquals(new FrameSizing.Size(256, 128), FrameSizing.fit(640, 360, 256));
        // every output side is a multiple of 64
        for (int w = 200; w <= 2000; w += 37) {
            for (int h = 200; h <= 2000; h += 53) {
                FrameSizing.Size s = FrameSizing.fit(w, h);
                assertEquals(0, s.width() % 64);
                assertEquals(0, s.height() % 64);
                assertEquals(512, Math.max(s.width(), s.height()));
            }
        }
    }

    @Test
    void badInputsAreRejected() {
        IllegalArgumentException thin = assertThrows(IllegalArgumentException.class, () -> FrameSizing.fit(1000, 30));
        assertTrue(thin.getMessage().contains("1000x30"), thin.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FrameSizing.fit(0, 100));
        assertThrows(IllegalArgumentException.class, () -> FrameSizing.fit(100, 100, 32));
    }
}
