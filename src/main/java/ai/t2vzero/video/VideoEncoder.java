package ai.t2vzero.video;

import org.bytedeco.javacv.FFmpegFrameFilter;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameFilter;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_GIF;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PROFILE_H264_HIGH;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_PAL8;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;

/**
 * Writes {@link VideoFrames} as MP4 or GIF with FFmpeg (through JavaCV).
 * <ul>
 *   <li>MP4: H.264 by libx264, High profile, yuv420p, constant quality ({@code crf}, {@code preset}), the
 *       {@code moov} atom moved to the front ({@code movflags=+faststart}) so browsers start playing before the
 *       download ends, colours tagged BT.601 limited range (what the RGB to YUV conversion writes).</li>
 *   <li>GIF: FFmpeg's gif encoder fed by the {@code palettegen}/{@code paletteuse} filters, so the 256 colours are
 *       chosen from the whole clip (not a fixed 3-3-2 palette), dithered (sierra2_4a), looping forever.</li>
 * </ul>
 * Both sides must be even: yuv420p halves the chroma resolution, and JavaCV's recorder rounds an odd width up for
 * every codec (which would rescale a GIF's palette indices). Odd sizes are rejected, never silently padded; the
 * pipelines' sizes are multiples of 8 anyway.
 * The target appears atomically: FFmpeg writes a hidden temp file in the target's directory, which is renamed over
 * the target when complete; on any failure the temp file is deleted and the target is left as it was.
 * Instances are immutable and thread-safe (each call has its own FFmpeg contexts).
 */
public final class VideoEncoder {

    /** x264's constant rate factor (0 lossless .. 51): 18 is visually lossless for SD frames. */
    public static final int DEFAULT_CRF = 18;
    /** x264's speed/size trade-off: the clips are a few frames, so the slower presets cost little. */
    public static final String DEFAULT_PRESET = "medium";

    private static final List<String> PRESETS = List.of("ultrafast", "superfast", "veryfast", "faster", "fast",
            "medium", "slow", "slower", "veryslow", "placebo");

    /** split the stream: one copy builds the clip's palette (emitted at end of stream), the other is mapped onto it */
    private static final String GIF_FILTER =
            "split[a][b];[a]palettegen=max_colors=256:reserve_transparent=0:stats_mode=full[p];"
                    + "[b][p]paletteuse=dither=sierra2_4a";

    private final int crf;
    private final String preset;

    /** CRF {@value #DEFAULT_CRF}, preset {@value #DEFAULT_PRESET}. */
    public VideoEncoder() {
        this(DEFAULT_CRF, DEFAULT_PRESET);
    }

    /**
     * @param crf    x264 constant rate factor, 0 (lossless) to 51; lower is better and bigger
     * @param preset x264 preset, {@code ultrafast} .. {@code placebo}
     */
    public VideoEncoder(int crf, String preset) {
        if (crf < 0 || crf > 51) {
            throw new IllegalArgumentException("crf must be in [0, 51] (got " + crf + ")");
        }
        if (!PRESETS.contains(preset)) {
            throw new IllegalArgumentException("unknown x264 preset \"" + preset + "\": valid values are " + PRESETS);
        }
        this.crf = crf;
        this.preset = preset;
    }

    public int crf() {
        return crf;
    }

    public String preset() {
        return preset;
    }

    /**
     * Encodes {@code video} in {@code format} to {@code target}, replacing it if it exists.
     *
     * @throws IllegalArgumentException for an odd width or height
     * @throws IOException              if FFmpeg or the file system fails; the target is then untouched
     */
    public void encode(VideoFrames video, VideoFormat format, Path target) throws IOException {
        if (video.width() % 2 != 0 || video.height() % 2 != 0) {
            throw new IllegalArgumentException(format + " output needs an even width and height (got "
                    + video.width() + "x" + video.height() + "): crop or resize the frames");
        }
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".part");
        boolean done = false;
        try {
            switch (format) {
                case MP4 -> writeMp4(video, tmp);
                case GIF -> writeGif(video, tmp);
            }
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--")); // temp files are 0600
            }
            moveIntoPlace(tmp, abs);
            done = true;
        } catch (FrameRecorder.Exception | FrameFilter.Exception e) {
            throw new IOException("cannot write " + format + " " + target + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private void writeMp4(VideoFrames video, Path file) throws FrameRecorder.Exception {
        FFmpegNatives.requireEncoder("libx264");
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toString(), video.width(), video.height(), 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodecName("libx264");
            recorder.setVideoCodec(AV_CODEC_ID_H264);
            recorder.setVideoProfile(AV_PROFILE_H264_HIGH); // JavaCV defaults to constrained baseline
            recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(video.fps());
            recorder.setVideoBitrate(0); // no ABR target: quality comes from crf
            recorder.setVideoOption("crf", Integer.toString(crf));
            recorder.setVideoOption("preset", preset);
            // swscale's RGB -> YUV writes BT.601 limited range: say so, or players guess (BT.709 for HD)
            recorder.setVideoOption("color_range", "tv");
            recorder.setVideoOption("colorspace", "smpte170m");
            recorder.setVideoOption("color_primaries", "smpte170m");
            recorder.setVideoOption("color_trc", "smpte170m");
            recorder.setImageScalingFlags(SWS_BICUBIC | SWS_ACCURATE_RND);
            recorder.setOption("movflags", "+faststart");
            recorder.start();
            ByteBuffer buf = ByteBuffer.allocateDirect(video.frameBytes());
            for (int i = 0; i < video.frameCount(); i++) {
                buf.clear();
                buf.put(video.frameBuffer(i));
                buf.flip();
                recorder.recordImage(video.width(), video.height(), Frame.DEPTH_UBYTE, 3, video.width() * 3,
                        AV_PIX_FMT_RGB24, buf);
            }
            recorder.stop(); // flushes the encoder's delayed frames, writes the moov atom, moves it to the front
        }
    }

    private void writeGif(VideoFrames video, Path file) throws FrameRecorder.Exception, FrameFilter.Exception {
        FFmpegNatives.requireEncoder("gif");
        try (FFmpegFrameFilter filter = new FFmpegFrameFilter(GIF_FILTER, video.width(), video.height());
             FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toString(), video.width(), video.height(), 0)) {
            filter.setPixelFormat(AV_PIX_FMT_RGB24);
            filter.setFrameRate(video.fps());
            filter.start();
            recorder.setFormat("gif");
            recorder.setVideoCodec(AV_CODEC_ID_GIF);
            recorder.setPixelFormat(AV_PIX_FMT_PAL8);
            recorder.setFrameRate(video.fps());
            recorder.setOption("loop", "0"); // 0 = loop forever (NETSCAPE2.0 extension)
            recorder.start();

            Frame in = new Frame();
            in.imageWidth = video.width();
            in.imageHeight = video.height();
            in.imageDepth = Frame.DEPTH_UBYTE;
            in.imageChannels = 3;
            in.imageStride = video.width() * 3;
            ByteBuffer buf = ByteBuffer.allocateDirect(video.frameBytes());
            in.image = new ByteBuffer[] {buf};
            for (int i = 0; i < video.frameCount(); i++) {
                buf.clear();
                buf.put(video.frameBuffer(i));
                buf.flip();
                filter.push(in, AV_PIX_FMT_RGB24); // the filter copies the pixels: buf can be reused
            }
            filter.push(null); // end of stream: palettegen emits the palette, paletteuse releases the frames
            Frame out;
            while ((out = filter.pull()) != null) {
                // pixels then the 256-entry palette, as av_image_copy_to_buffer lays out PAL8
                recorder.record(out, AV_PIX_FMT_PAL8);
            }
            recorder.stop();
            filter.stop();
        }
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
