package ai.t2vzero.function;

import jakarta.enterprise.context.ApplicationScoped;

import ai.t2vzero.pipeline.TextToVideoParams;

/**
 * Runs generations for the functions: pipeline, video encoding, artifact storage. Throws
 * {@link InvalidFieldException} for request values only it can check (e.g. an unknown model, field "model"),
 * {@link ServiceUnavailableException} when it cannot take more work, {@link PayloadTooLargeException} for
 * requests beyond what it accepts.
 */
@ApplicationScoped
public class VideoJobs {

    /**
     * Generates, encodes and stores one video.
     *
     * @param params        validated parameters
     * @param publicBaseUrl base of artifact URLs without trailing slash, e.g. "https://t2v.example.com"
     *                      (see {@code ArtifactStore#url})
     */
    public TextToVideoResponse textToVideo(TextToVideoParams params, String publicBaseUrl) {
        throw new UnsupportedOperationException("wired by lead");
    }
}
