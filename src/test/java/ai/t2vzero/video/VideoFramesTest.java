package ai.t2vzero.video;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VideoFramesTest {

    @Test
    void isImmutable() {
        byte[] f = new byte[2 * 3 * 3];
        List<byte[]> list = new ArrayList<>(List.of(f));
        VideoFrames v = new VideoFrames(3, 2, 4, list);
        f[0] = 9;
        list.add(new byte[18]);
        assertEquals(1, v.frameCount());
        assertEquals(0, v.frame(0)[0]);
        v.frame(0)[0] = 7;
        assertEquals(0, v.frame(0)[0]);
        assertTrue(v.frameBuffer(0).isReadOnly());
        assertEquals(v, new VideoFrames(3, 2, 4, List.of(new byte[18])));
    }

    @Test
    void rejectsInconsistentFrames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VideoFrames(3, 2, 4, List.of(new byte[18], new byte[17])));
        assertTrue(e.getMessage().startsWith("frame 1 must hold 2x3x3 = 18 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VideoFrames(3, 2, 4, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new VideoFrames(3, 2, 0, List.of(new byte[18])));
        assertThrows(IllegalArgumentException.class, () -> new VideoFrames(0, 2, 4, List.of(new byte[0])));
    }
}
