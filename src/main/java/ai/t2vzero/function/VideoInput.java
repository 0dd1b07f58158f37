package ai.t2vzero.function;

/**
 * Where the input video of a video mode comes from and how it is sampled: Text2Video-Zero's {@code prepare_video}
 * with {@code output_fps = fps}, cut to at most {@code videoLength} frames, the longer side resized to
 * {@code resolution} and both sides rounded to multiples of 64.
 *
 * @param video       {@code upload:<id>} (from POST /uploads) or an http(s) URL
 * @param videoLength most frames taken (the clip is cut short, not sampled more sparsely)
 * @param fps         rate the video is sampled at, also the rate of the result
 * @param resolution  longer side of the frames in pixels, before rounding to multiples of 64
 */
public record VideoInput(String video, int videoLength, int fps, int resolution) {}
