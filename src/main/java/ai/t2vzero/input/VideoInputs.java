package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.FrameSampling;
import ai.t2vzero.video.VideoFrames;
import ai.t2vzero.video.VideoReadException;
import ai.t2vzero.video.VideoReader;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a request's input-video value into a local file: {@code upload:<id>} (from {@code POST /uploads}) or an
 * http(s) URL (downloaded by {@link SafeUrlFetcher}). The limits are {@link InputsConfig}'s.
 */
@ApplicationScoped
public class VideoInputs {

    private static final Logger LOG = Logger.getLogger(VideoInputs.class);

    private final UploadStore uploads;
    private final SafeUrlFetcher fetcher;

    @Inject
    public VideoInputs(UploadStore uploads, Vertx vertx, InputsConfig config) {
        this.uploads = uploads;
        this.fetcher = new SafeUrlFetcher(vertx, FetchPolicy.from(config));
    }

    /** What an input-video value refers to. */
    public enum Kind { UPLOAD, URL }

    /**
     * The one rule for input-video values, applied by request validation and by {@link #resolve}: {@code upload:<id>}
     * (from POST /uploads) or an http(s) URL; empty for anything else (the id and the URL are checked on use).
     */
    public static Optional<Kind> kind(String video) {
        String lower = video == null ? "" : video.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("upload:")) {
            return Optional.of(Kind.UPLOAD);
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return Optional.of(Kind.URL);
        }
        return Optional.empty();
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
        Optional<Kind> kind = kind(value);
        if (kind.isPresent()) {
            return kind.get() == Kind.UPLOAD ? uploads.checkout(value, field) : fetcher.fetch(value, field);
        }
        throw new VideoInputException(400, "invalid_video_reference", field, "`" + field
                + "` must be an http(s) URL or upload:<id> from POST /uploads (got '"
                + SafeUrlFetcher.abbreviate(value) + "')");
    }

    /**
     * The frames of the video {@code video} names, sampled at {@code fps} (at most {@code videoLength} of them) and
     * resized so that the longer side is {@code resolution} (both sides multiples of 64), as Text2Video-Zero's
     * {@code prepare_video} does. The fetched file is deleted whatever happens. A file FFmpeg cannot use is a 422
     * {@code unreadable_video} on {@code field}.
     */
    public VideoFrames readFrames(String video, String field, int fps, int videoLength, int resolution,
                                  StageTimer timer) {
        Path file;
        try (StageTimer.Stage ignored = timer.start("video_fetch")) {
            file = resolve(video, field);
        }
        try (StageTimer.Stage ignored = timer.start("video_read")) {
            return new VideoReader(file).readFrames(FrameSampling.of(fps, videoLength), resolution);
        } catch (VideoReadException e) {
            // the message names our temp file: say "the video" instead
            String message = String.valueOf(e.getMessage()).replace(file.toAbsolutePath().toString(), "the video")
                    .replace(file.toString(), "the video");
            throw new VideoInputException(422, "unreadable_video", field, message, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("cannot delete fetched video %s: %s", file, e.getMessage());
            }
        }
    }

    @PreDestroy
    void close() {
        fetcher.close();
    }
}
