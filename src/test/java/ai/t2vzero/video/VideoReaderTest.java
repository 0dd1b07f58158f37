package ai.t2vzero.video;

import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_S16LE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads clips made by {@link VideoEncoder}: 30 flat grey frames at 12 fps whose level is 8 x their index, so each
 * decoded frame tells which source frame was sampled.
 */
class VideoReaderTest {

    private static final int LEVEL_STEP = 8;

    @TempDir
    Path dir;

    private Path numbered;

    @BeforeEach
    void writeNumberedClip() throws Exception {
        numbered = dir.resolve("numbered.mp4");
        new VideoEncoder().encode(SyntheticFrames.numbered(160, 90, 12, 30, LEVEL_STEP), VideoFormat.MP4, numbered);
    }

    @Test
    void infoReadsTheHeaders() {
        VideoInfo info = new VideoReader(numbered).info();
        assertEquals(160, info.width());
        assertEquals(90, info.height());
        assertEquals(12.0, info.fps(), 0.0);
        assertEquals(30, info.frameCount());
        assertEquals(2.5, info.durationSeconds(), 1e-9);
        assertEquals("h264", info.codec());
        assertTrue(info.container().contains("mp4"), info.container());
    }

    @Test
    void samplesAtTheTargetFps() {
        // 160x90 at resolution 128: k = 0.8, h = 72 -> round(1.125) = 1 -> 64, w = 128
        VideoFrames v = new VideoReader(numbered).readFrames(FrameSampling.of(4, 0), 128);
        assertEquals(128, v.width());
        assertEquals(64, v.height());
        assertEquals(4.0, v.fps(), 0.0);
        assertSourceFrames(v, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27); // idx(30, 12, 4)
    }

    @Test
    void maxFramesAndClipBounds() {
        VideoReader r = new VideoReader(numbered);
        assertSourceFrames(r.readFrames(FrameSampling.of(4, 4), 128), 0, 3, 6, 9);
        assertSourceFrames(r.readFrames(new FrameSampling(0.5, 2.0, 4, 0), 128), 6, 9, 12, 15, 18, 21);
        VideoFrames own = r.readFrames(FrameSampling.of(-1, 5), 128); // the source's own 12 fps
        assertEquals(12.0, own.fps(), 0.0);
        assertSourceFrames(own, 0, 1, 2, 3, 4);
    }

    @Test
    void upsamplingRepeatsSourceFrames() {
        VideoFrames v = new VideoReader(numbered).readFrames(FrameSampling.of(24, 6), 128);
        assertSourceFrames(v, 0, 0, 1, 1, 2, 2);
        assertArrayEquals(v.frame(0), v.frame(1));
    }

    @Test
    void resizesTheLongerSideToTheResolution() throws Exception {
        Path wide = dir.resolve("wide.mp4");
        VideoFrames src = SyntheticFrames.movingSquare(640, 360, 4, 3);
        new VideoEncoder().encode(src, VideoFormat.MP4, wide);
        VideoFrames v = new VideoReader(wide).readFrames(4, 8);
        // 640x360 -> k = 0.8 -> 512x288 -> 288 / 64 = 4.5 rounds to even -> 512x256 (as np.round does)
        assertEquals(512, v.width());
        assertEquals(256, v.height());
        assertEquals(3, v.frameCount());
        for (int i = 0; i < 3; i++) {
            // scaling keeps the mean brightness
            assertEquals(SyntheticFrames.mean(src.frame(i)), SyntheticFrames.mean(v.frame(i)), 2.0);
        }
    }

    @Test
    void readsGifWithoutAFrameCountInItsHeader() throws Exception {
        Path gif = dir.resolve("numbered.gif");
        new VideoEncoder().encode(SyntheticFrames.numbered(64, 64, 4, 7, 30), VideoFormat.GIF, gif);
        VideoReader r = new VideoReader(gif);
        VideoInfo info = r.info();
        assertEquals("gif", info.codec());
        assertEquals(7, info.frameCount());
        assertEquals(4.0, info.fps(), 0.0);
        VideoFrames v = r.readFrames(FrameSampling.of(-1, 0), 64);
        assertEquals(7, v.frameCount());
        for (int i = 0; i < 7; i++) {
            assertEquals(30.0 * i, SyntheticFrames.mean(v.frame(i)), 0.0, "frame " + i); // GIF: grey levels exact
        }
    }

    @Test
    void garbageIsAVideoReadException() throws Exception {
        Path random = dir.resolve("random.mp4");
        byte[] noise = new byte[64 * 1024];
        new Random(7).nextBytes(noise);
        Files.write(random, noise);
        assertUnreadable(random, "is not a readable video");

        Path empty = Files.createFile(dir.resolve("empty.mp4"));
        assertUnreadable(empty, "is not a readable video");

        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a video\n".repeat(100));
        assertUnreadable(text, "");

        assertUnreadable(dir.resolve("missing.mp4"), "no such file");
        assertUnreadable(dir, "no such file");
    }

    @Test
    void truncatedFileIsAVideoReadException() throws Exception {
        byte[] whole = Files.readAllBytes(numbered);
        Path cut = dir.resolve("cut.mp4");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2)); // moov (at the front) intact, half the frames gone
        VideoReadException e = assertThrows(VideoReadException.class,
                () -> new VideoReader(cut).readFrames(FrameSampling.of(12, 0), 128));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());

        Path headless = dir.resolve("headless.mp4");
        Files.write(headless, Arrays.copyOfRange(whole, whole.length / 2, whole.length));
        assertUnreadable(headless, "is not a readable video");
    }

    @Test
    void damagedFramesNeverCrash() throws Exception {
        byte[] bytes = Files.readAllBytes(numbered);
        Random rnd = new Random(3);
        for (int i = bytes.length / 3; i < bytes.length; i += 97) {
            bytes[i] = (byte) rnd.nextInt(); // scribble over the coded frames
        }
        Path damaged = Files.write(dir.resolve("damaged.mp4"), bytes);
        try {
            VideoFrames v = new VideoReader(damaged).readFrames(FrameSampling.of(12, 0), 128);
            assertEquals(30, v.frameCount()); // H.264 conceals the damage
        } catch (VideoReadException expected) {
            assertTrue(expected.getMessage().startsWith(damaged.toString()), expected.getMessage());
        }
    }

    @Test
    void audioOnlyIsAVideoReadException() throws Exception {
        Path mka = dir.resolve("tone.mka"); // Matroska is an allowed container; this one holds only audio
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(mka.toString(), 1)) {
            rec.setFormat("matroska");
            rec.setAudioCodec(AV_CODEC_ID_PCM_S16LE);
            rec.setSampleRate(8000);
            rec.start();
            rec.recordSamples(ShortBuffer.wrap(new short[8000]));
            rec.stop();
        }
        assertUnreadable(mka, "no video stream");
    }

    @Test
    void playlistsAreNotFollowed() throws Exception {
        // an HLS playlist pointing at a local file: FFmpeg would open it, our demuxer whitelist refuses
        Path m3u8 = Files.writeString(dir.resolve("list.m3u8"),
                "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:2.5,\n" + numbered + "\n#EXT-X-ENDLIST\n");
        assertUnreadable(m3u8, "is not a readable video");
        Path concat = Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile '" + numbered + "'\n");
        assertUnreadable(concat, "is not a readable video");
    }

    private static void assertUnreadable(Path file, String messagePart) {
        VideoReadException e = assertThrows(VideoReadException.class, () -> new VideoReader(file).info());
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(messagePart), e.getMessage());
        VideoReadException r = assertThrows(VideoReadException.class,
                () -> new VideoReader(file).readFrames(4, 8));
        assertTrue(r.getMessage().startsWith(file.toString()), r.getMessage());
    }

    private static void assertSourceFrames(VideoFrames v, int... sourceIndices) {
        assertEquals(sourceIndices.length, v.frameCount());
        for (int i = 0; i < sourceIndices.length; i++) {
            double mean = SyntheticFrames.mean(v.frame(i));
            assertEquals(LEVEL_STEP * sourceIndices[i], mean, 2.0,
                    "frame " + i + " should be source frame " + sourceIndices[i]);
        }
    }
}
