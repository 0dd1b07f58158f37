package ai.t2vzero.video;

/**
 * What a video file holds, read from its headers (the frame count, where the container does not store it, by
 * counting the video stream's packets).
 *
 * @param width           coded width in pixels
 * @param height          coded height in pixels
 * @param fps             average frame rate of the video stream
 * @param frameCount      frames in the video stream
 * @param durationSeconds {@code frameCount / fps}
 * @param codec           FFmpeg's decoder name ({@code h264}, {@code gif}, {@code vp9}, ...)
 * @param container       FFmpeg's demuxer name ({@code mov,mp4,m4a,3gp,3g2,mj2}, {@code gif}, ...)
 */
public record VideoInfo(int width, int height, double fps, int frameCount, double durationSeconds,
                        String codec, String container) {}
