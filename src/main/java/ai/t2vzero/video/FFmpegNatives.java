package ai.t2vzero.video;

import org.bytedeco.ffmpeg.avcodec.AVCodec;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;

/**
 * FFmpeg's process-wide settings, applied once before the first use. JavaCPP's {@code Loader} loads the natives
 * from the {@code ffmpeg-*-linux-x86_64-gpl} jar the first time a class of {@code org.bytedeco.ffmpeg} is touched
 * (extracting them to {@code ~/.javacpp/cache}); nothing here changes how.
 */
final class FFmpegNatives {

    private static volatile boolean ready;

    private FFmpegNatives() {}

    /** FFmpeg logs errors only (libx264 prints its statistics at info level for every file otherwise). */
    static void init() {
        if (!ready) {
            synchronized (FFmpegNatives.class) {
                if (!ready) {
                    av_log_set_level(AV_LOG_ERROR);
                    ready = true;
                }
            }
        }
    }

    /**
     * @throws IllegalStateException if the FFmpeg build on the class path lacks the encoder (for libx264: the LGPL
     *                               {@code linux-x86_64} jar instead of {@code linux-x86_64-gpl})
     */
    static void requireEncoder(String name) {
        init();
        AVCodec codec = avcodec_find_encoder_by_name(name);
        if (codec == null || codec.isNull()) {
            throw new IllegalStateException("this FFmpeg build has no " + name + " encoder: the class path needs "
                    + "org.bytedeco:ffmpeg with classifier linux-x86_64-gpl (the LGPL build has no libx264)");
        }
    }
}
