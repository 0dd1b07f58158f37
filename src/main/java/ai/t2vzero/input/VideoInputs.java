package ai.t2vzero.input;

import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns a request's input-video value into a local file: {@code upload:<id>} (from {@code POST /uploads}) or an
 * http(s) URL (downloaded by {@link SafeUrlFetcher}). The limits are {@link InputsConfig}'s.
 */
@ApplicationScoped
public class VideoInputs {

    private final UploadStore uploads;
    private final SafeUrlFetcher fetcher;

    @Inject
    public VideoInputs(UploadStore uploads, Vertx vertx, InputsConfig config, ai.t2vzero.config.WorkDirectory work) {
        this.uploads = uploads;
        // downloads go to the work directory's tmp/ (emptied at startup), never into the image
        this.fetcher = new SafeUrlFetcher(vertx, FetchPolicy.from(config), java.net.InetAddress::getAllByName,
                work.temp());
    }

    /**
     * A file with the video that {@code video} names; it belongs to the caller, who deletes it when done (for an
     * upload it is a link to the stored bytes, so the upload stays usable; for a URL it is the downloaded temp file).
     * Blocks while downloading: call it from a worker thread.
     *
     * @param video the request value: {@code upload:<id>} or an http(s) URL
     * @param field the request field it came from, named in errors (e.g. {@code video})
     * @throws VideoInputException see {@link VideoInputException} for the statuses
     */
    public Path resolve(String video, String field) {
        if (video == null || video.isBlank()) {
            throw new VideoInputException(400, "invalid_video_reference", field, "`" + field
                    + "` is required: an http(s) URL or upload:<id> from POST /uploads");
        }
        String value = video.strip();
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("upload:")) {
            return uploads.checkout(value, field);
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return fetcher.fetch(value, field);
        }
        throw new VideoInputException(400, "invalid_video_reference", field, "`" + field
                + "` must be an http(s) URL or upload:<id> from POST /uploads (got '"
                + SafeUrlFetcher.abbreviate(value) + "')");
    }

    @PreDestroy
    void close() {
        fetcher.close();
    }
}
