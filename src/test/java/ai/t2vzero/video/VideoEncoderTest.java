package ai.t2vzero.video;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PROFILE_H264_HIGH;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encodes synthetic clips and decodes them again with FFmpeg. */
class VideoEncoderTest {

    @TempDir
    Path dir;

    @Test
    void mp4IsH264Yuv420pWithExactFrameCountSizeAndRate() throws Exception {
        VideoFrames clip = SyntheticFrames.movingSquare(96, 64, 4, 7);
        Path out = dir.resolve("clip.mp4");
        new VideoEncoder().encode(clip, VideoFormat.MP4, out);

        Decoded d = decode(out);
        assertEquals("h264", d.codec);
        assertEquals(AV_PIX_FMT_YUV420P, d.pixelFormat);
        assertEquals(AV_PROFILE_H264_HIGH, d.profile);
        assertEquals(96, d.width);
        assertEquals(64, d.height);
        assertEquals(4.0, d.fps, 0.0);
        assertEquals(7, d.frames.size());
        assertEquals(7, d.headerFrameCount);
        // same picture, same channel order: a swapped R/B would be off by ~100 levels
        for (int i = 0; i < 7; i++) {
            double err = SyntheticFrames.meanAbsDiff(clip.frame(i), d.frames.get(i));
            assertTrue(err < 4, "frame " + i + " mean abs error " + err);
        }
        List<String> boxes = topLevelBoxes(out);
        assertTrue(boxes.indexOf("moov") >= 0 && boxes.indexOf("moov") < boxes.indexOf("mdat"),
                "+faststart puts moov before mdat: " + boxes);
        assertOnlyFile(out);
    }

    @Test
    void mp4KeepsOtherRatesAndQualitySettings() throws Exception {
        VideoFrames clip = SyntheticFrames.movingSquare(64, 64, 8, 12);
        Path hq = dir.resolve("hq.mp4");
        Path lq = dir.resolve("lq.mp4");
        new VideoEncoder(10, "veryslow").encode(clip, VideoFormat.MP4, hq);
        new VideoEncoder(40, "ultrafast").encode(clip, VideoFormat.MP4, lq);
        Decoded d = decode(hq);
        assertEquals(8.0, d.fps, 0.0);
        assertEquals(12, d.frames.size());
        assertTrue(Files.size(lq) < Files.size(hq), "crf 40 is smaller than crf 10");
        assertThrows(IllegalArgumentException.class, () -> new VideoEncoder(52, "medium"));
        assertThrows(IllegalArgumentException.class, () -> new VideoEncoder(18, "fastest"));
    }

    @Test
    void gifHasEveryFrameAndLoopsForever() throws Exception {
        VideoFrames clip = SyntheticFrames.movingSquare(66, 46, 4, 6);
        Path out = dir.resolve("clip.gif");
        new VideoEncoder().encode(clip, VideoFormat.GIF, out);

        Decoded d = decode(out);
        assertEquals("gif", d.codec);
        assertEquals(66, d.width);
        assertEquals(46, d.height);
        assertEquals(6, d.frames.size());
        for (int i = 0; i < 6; i++) {
            // ~30k colours in 256, dithered: close, not exact
            double err = SyntheticFrames.meanAbsDiff(clip.frame(i), d.frames.get(i));
            assertTrue(err < 12, "frame " + i + " mean abs error " + err);
        }
        // NETSCAPE2.0 application extension: sub-block of 3 bytes, id 1, loop count 0 (little endian) = forever
        byte[] bytes = Files.readAllBytes(out);
        int at = indexOf(bytes, "NETSCAPE2.0".getBytes(StandardCharsets.US_ASCII));
        assertTrue(at > 0, "no loop extension");
        assertEquals(3, bytes[at + 11]);
        assertEquals(1, bytes[at + 12]);
        assertEquals(0, bytes[at + 13]);
        assertEquals(0, bytes[at + 14]);
        assertOnlyFile(out);
    }

    @Test
    void gifPaletteComesFromTheClip() throws Exception {
        // 48 colours off the 3-3-2 grid of a fixed rgb8 palette: palettegen keeps them all, so the GIF is lossless
        int w = 64;
        int h = 48;
        List<byte[]> frames = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            byte[] rgb = new byte[w * h * 3];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int c = ((x / 8) + (y / 8) * 8 + f) % 48;
                    int p = (y * w + x) * 3;
                    rgb[p] = (byte) (13 + 5 * c);
                    rgb[p + 1] = (byte) (201 - 3 * c);
                    rgb[p + 2] = (byte) (77 + 2 * (c % 7));
                }
            }
            frames.add(rgb);
        }
        VideoFrames clip = new VideoFrames(w, h, 4, frames);
        Path out = dir.resolve("exact.gif");
        new VideoEncoder().encode(clip, VideoFormat.GIF, out);
        Decoded d = decode(out);
        assertEquals(3, d.frames.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(0.0, SyntheticFrames.meanAbsDiff(clip.frame(i), d.frames.get(i)), "frame " + i);
        }
    }

    @Test
    void oddSizesAreRejectedAndNothingIsWritten() {
        Path mp4 = dir.resolve("odd.mp4");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VideoEncoder().encode(SyntheticFrames.movingSquare(65, 48, 4, 2), VideoFormat.MP4, mp4));
        assertEquals("MP4 output needs an even width and height (got 65x48): crop or resize the frames", e.getMessage());
        Path gif = dir.resolve("odd.gif");
        e = assertThrows(IllegalArgumentException.class,
                () -> new VideoEncoder().encode(SyntheticFrames.movingSquare(64, 47, 4, 2), VideoFormat.GIF, gif));
        assertTrue(e.getMessage().startsWith("GIF output needs an even width and height (got 64x47)"), e.getMessage());
        assertEquals(List.of(), listDir());
    }

    @Test
    void replacesAnExistingTarget() throws Exception {
        Path out = dir.resolve("clip.mp4");
        Files.writeString(out, "old");
        new VideoEncoder().encode(SyntheticFrames.movingSquare(32, 32, 4, 3), VideoFormat.MP4, out);
        assertEquals(3, decode(out).frames.size());
        assertOnlyFile(out);
    }

    @Test
    void failedEncodeLeavesNoTargetAndNoTempFile() {
        // a frame rate FFmpeg cannot express (av_d2q gives 0/1): the encoder refuses to open
        VideoFrames clip = new VideoFrames(32, 32, 1e-9, List.of(new byte[32 * 32 * 3]));
        Path out = dir.resolve("never.mp4");
        IOException e = assertThrows(IOException.class, () -> new VideoEncoder().encode(clip, VideoFormat.MP4, out));
        assertTrue(e.getMessage().startsWith("cannot write MP4 " + out), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), listDir());
    }

    @Test
    void failedRenameKeepsTheOldTargetAndNoTempFile() throws Exception {
        Path out = dir.resolve("busy.gif");
        Files.createDirectory(out);
        Files.writeString(out.resolve("keep"), "x"); // a non-empty directory cannot be replaced
        assertThrows(IOException.class,
                () -> new VideoEncoder().encode(SyntheticFrames.movingSquare(16, 16, 4, 2), VideoFormat.GIF, out));
        assertTrue(Files.isDirectory(out));
        assertEquals(List.of("busy.gif"), listDir());
    }

    private void assertOnlyFile(Path out) throws IOException {
        assertTrue(Files.size(out) > 0);
        assertEquals(List.of(out.getFileName().toString()), listDir());
    }

    private List<String> listDir() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What FFmpeg finds in a file: stream parameters and every frame as RGB24. */
    record Decoded(String codec, int pixelFormat, int profile, int width, int height, double fps,
                   long headerFrameCount, List<byte[]> frames) {}

    static Decoded decode(Path file) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toString())) {
            g.setPixelFormat(AV_PIX_FMT_RGB24);
            g.start();
            AVCodecParameters par = g.getFormatContext().streams(g.getVideoStream()).codecpar();
            long nbFrames = g.getFormatContext().streams(g.getVideoStream()).nb_frames();
            List<byte[]> frames = new ArrayList<>();
            Frame f;
            while ((f = g.grabImage()) != null) {
                int w = f.imageWidth;
                int h = f.imageHeight;
                byte[] rgb = new byte[w * h * 3];
                ByteBuffer b = ((ByteBuffer) f.image[0]).duplicate();
                for (int y = 0; y < h; y++) {
                    b.position(y * f.imageStride);
                    b.get(rgb, y * w * 3, w * 3);
                }
                frames.add(rgb);
            }
            return new Decoded(g.getVideoCodecName(), par.format(), par.profile(), par.width(), par.height(),
                    g.getVideoFrameRate(), nbFrames, frames);
        }
    }

    /** The types of an ISO BMFF file's top-level boxes, in order. */
    static List<String> topLevelBoxes(Path mp4) throws IOException {
        byte[] b = Files.readAllBytes(mp4);
        ByteBuffer buf = ByteBuffer.wrap(b);
        List<String> types = new ArrayList<>();
        long pos = 0;
        while (pos + 8 <= b.length) {
            long size = buf.getInt((int) pos) & 0xffffffffL;
            types.add(new String(b, (int) pos + 4, 4, StandardCharsets.US_ASCII));
            if (size == 1) {
                size = buf.getLong((int) pos + 8);
            } else if (size == 0) {
                break; // to the end of the file
            }
            assertTrue(size >= 8, "bad box size " + size);
            pos += size;
        }
        return types;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
