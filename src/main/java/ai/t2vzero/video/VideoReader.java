package ai.t2vzero.video;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FULL_CHR_H_INT;

/**
 * Reads a video file with FFmpeg (through JavaCV): its {@link #info() metadata}, and
 * {@link #readFrames(FrameSampling, int) frames sampled and resized} the way Text2Video-Zero's
 * {@code utils.prepare_video} prepares a ControlNet or Pix2Pix input: evenly spaced frames at a target fps
 * ({@link FrameSampling}), scaled so the longer side is the resolution and both sides are multiples of 64
 * ({@link FrameSizing}).
 *
 * <p>Scaling is swscale's bilinear filter, which widens its kernel when shrinking (an antialiased bilinear, as the
 * app's {@code Resize(..., BILINEAR, antialias=True)}), with accurate rounding; pixel values can differ from
 * torchvision's by a level or two. YUV is converted to RGB as FFmpeg does by default (BT.601), as decord does.
 * Rotation metadata is ignored, as decord ignores it.
 *
 * <p>Only file-based video demuxers are enabled ({@link #DEMUXERS}) and only the {@code file} protocol: an
 * uploaded playlist ({@code hls}, {@code concat}) could otherwise make FFmpeg open other local files or URLs.
 * Every failure (missing file, not a video, corrupt data, too few decodable frames) is a {@link VideoReadException}
 * naming the file. An instance holds no native resources between calls.
 */
public final class VideoReader {

    /** FFmpeg demuxers allowed to open input: the usual video containers and elementary streams. */
    public static final String DEMUXERS =
            "mov,mp4,matroska,webm,avi,gif,apng,flv,mpegts,mpeg,ogg,asf,ivf,h264,hevc,m4v,yuv4mpegpipe,nut";

    private final Path path;

    public VideoReader(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    public Path path() {
        return path;
    }

    /** Size, rate, frame count and codec of the first video stream. */
    public VideoInfo info() {
        try (FFmpegFrameGrabber g = start(grabber())) {
            int width = g.getImageWidth();
            int height = g.getImageHeight();
            double fps = g.getVideoFrameRate();
            if (width <= 0 || height <= 0) {
                throw new VideoReadException(path + ": the video stream has no frame size (" + width + "x" + height + ")");
            }
            if (!(fps > 0) || Double.isInfinite(fps)) {
                throw new VideoReadException(path + ": the video stream has no frame rate");
            }
            AVStream st = g.getFormatContext().streams(g.getVideoStream());
            long frames = st.nb_frames() > 0 ? st.nb_frames() : countVideoPackets(g);
            if (frames <= 0) {
                throw new VideoReadException(path + ": the video stream has no frames");
            }
            if (frames > Integer.MAX_VALUE) {
                throw new VideoReadException(path + ": too many frames (" + frames + ")");
            }
            return new VideoInfo(width, height, fps, (int) frames, frames / fps, g.getVideoCodecName(), g.getFormat());
        } catch (FrameGrabber.Exception e) {
            throw unreadable(e);
        }
    }

    /** The whole video at {@code targetFps}, at most {@code maxFrames} frames, longer side 512. */
    public VideoFrames readFrames(int targetFps, int maxFrames) {
        return readFrames(FrameSampling.of(targetFps, maxFrames), FrameSizing.DEFAULT_RESOLUTION);
    }

    /**
     * Decodes the frames {@code sampling} picks, resized by {@link FrameSizing#fit(int, int, int)}. The result
     * plays at {@link FrameSampling#outputFps(double)}.
     *
     * @throws VideoReadException if the file cannot be read, the clip is empty, the video is too thin for
     *                            {@code resolution}, or the stream ends before the last sampled frame
     */
    public VideoFrames readFrames(FrameSampling sampling, int resolution) {
        VideoInfo info = info();
        int[] indices;
        FrameSizing.Size size;
        int outputFps;
        try {
            indices = sampling.frameIndices(info.fps(), info.frameCount());
            outputFps = sampling.outputFps(info.fps());
            size = FrameSizing.fit(info.width(), info.height(), resolution);
        } catch (IllegalArgumentException e) {
            throw new VideoReadException(path + ": " + e.getMessage(), e);
        }
        int w = size.width();
        int h = size.height();
        FFmpegFrameGrabber g = grabber();
        g.setImageWidth(w);
        g.setImageHeight(h);
        g.setPixelFormat(AV_PIX_FMT_RGB24);
        g.setImageScalingFlags(SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT);
        List<byte[]> frames = new ArrayList<>(indices.length);
        try (FFmpegFrameGrabber open = start(g)) {
            int next = 0;
            for (int frameIndex = 0; next < indices.length; frameIndex++) {
                boolean wanted = indices[next] == frameIndex;
                // only the sampled frames go through swscale
                Frame f = open.grabFrame(false, true, wanted, false, false);
                if (f == null) {
                    throw new VideoReadException(path + ": the video stream ends after " + frameIndex
                            + " decodable frames, but frame " + indices[next] + " of " + info.frameCount()
                            + " is needed (corrupt or truncated file?)");
                }
                if (wanted) {
                    byte[] rgb = copyRgb(f, w, h);
                    while (next < indices.length && indices[next] == frameIndex) {
                        frames.add(rgb); // the same source frame twice when the target rate is above the source's
                        next++;
                    }
                }
            }
        } catch (FrameGrabber.Exception e) {
            throw unreadable(e);
        }
        return new VideoFrames(w, h, outputFps, frames);
    }

    private FFmpegFrameGrabber grabber() {
        if (!Files.isRegularFile(path)) {
            throw new VideoReadException(path + ": no such file");
        }
        if (!Files.isReadable(path)) {
            throw new VideoReadException(path + ": not readable");
        }
        FFmpegNatives.init();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(path.toAbsolutePath().toString());
        g.setOption("format_whitelist", DEMUXERS);
        g.setOption("protocol_whitelist", "file");
        return g;
    }

    private FFmpegFrameGrabber start(FFmpegFrameGrabber g) {
        try {
            g.start();
        } catch (FrameGrabber.Exception e) {
            closeQuietly(g);
            throw unreadable(e);
        }
        if (!g.hasVideo()) {
            closeQuietly(g);
            throw new VideoReadException(path + ": no video stream (format " + g.getFormat() + ")");
        }
        return g;
    }

    private static long countVideoPackets(FFmpegFrameGrabber g) throws FrameGrabber.Exception {
        int stream = g.getVideoStream();
        long n = 0;
        AVPacket pkt;
        while ((pkt = g.grabPacket()) != null) {
            if (pkt.stream_index() == stream) {
                n++;
            }
        }
        return n;
    }

    /** The grabber's RGB24 picture, whose rows may be padded, as tight HWC bytes. */
    private static byte[] copyRgb(Frame f, int w, int h) {
        if (f.imageWidth != w || f.imageHeight != h || f.imageChannels != 3) {
            throw new IllegalStateException("decoder gave " + f.imageWidth + "x" + f.imageHeight + "x"
                    + f.imageChannels + ", expected " + w + "x" + h + "x3");
        }
        ByteBuffer src = ((ByteBuffer) f.image[0]).duplicate();
        int row = w * 3;
        byte[] out = new byte[row * h];
        for (int y = 0; y < h; y++) {
            src.position(y * f.imageStride);
            src.get(out, y * row, row);
        }
        return out;
    }

    private VideoReadException unreadable(FrameGrabber.Exception e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        int hint = msg.indexOf(" (For more details");
        return new VideoReadException(path + " is not a readable video: " + (hint > 0 ? msg.substring(0, hint) : msg), e);
    }

    private static void closeQuietly(FFmpegFrameGrabber g) {
        try {
            g.close();
        } catch (FrameGrabber.Exception ignored) {
            // already failing with a better message
        }
    }
}
