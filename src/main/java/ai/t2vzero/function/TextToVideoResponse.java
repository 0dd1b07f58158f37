package ai.t2vzero.function;

import java.util.Map;

/**
 * Answer of every mode: {@code text-to-video}, {@code edge-to-video}, {@code pose-to-video} and
 * {@code video-pix2pix} (for the video modes, {@code frames}, {@code width} and {@code height} are those of the
 * sampled and resized input video).
 *
 * @param id      artifact id of the video (also the last path segment of {@code url})
 * @param url     where the video can be downloaded
 * @param format  mp4 or gif
 * @param frames  number of frames
 * @param width   frame width in pixels
 * @param height  frame height in pixels
 * @param fps     frames per second of the encoded video
 * @param seed    the seed actually used (the requested one, or the one drawn at random)
 * @param timings seconds spent per stage, e.g. {"text_encoder": 0.2, "unet": 41.5, "vae": 3.1, "encode": 0.4}
 */
public record TextToVideoResponse(
        String id,
        String url,
        String format,
        int frames,
        int width,
        int height,
        int fps,
        long seed,
        Map<String, Double> timings) {}
