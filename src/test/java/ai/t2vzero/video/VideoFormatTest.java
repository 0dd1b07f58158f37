package ai.t2vzero.video;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VideoFormatTest {

    @Test
    void parsesExtensions() {
        assertEquals(VideoFormat.MP4, VideoFormat.parse("mp4"));
        assertEquals(VideoFormat.GIF, VideoFormat.parse(" GIF "));
        assertEquals("video/mp4", VideoFormat.MP4.mediaType());
        assertEquals("image/gif", VideoFormat.GIF.mediaType());
        assertEquals("gif", VideoFormat.GIF.extension());
    }

    @Test
    void unknownNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VideoFormat.parse("webm"));
        assertTrue(e.getMessage().contains("\"webm\"") && e.getMessage().contains("\"mp4\", \"gif\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VideoFormat.parse(null));
        assertThrows(IllegalArgumentException.class, () -> VideoFormat.parse(""));
    }
}
