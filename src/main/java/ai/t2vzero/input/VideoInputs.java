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
    private final VideoLimits limits;
    private final java.time.Duration decodeTimeout;

    @Inject
    public VideoInputs(UploadStore uploads, Vertx vertx, InputsConfig config, ai.t2vzero.config.WorkDirectory work) {
        this.uploads = uploads;
        this.limits = VideoLimits.from(config);
        this.decodeTimeout = config.decodeTimeout();
        // downloads go to the work directory's tmp/ (emptied at startup), never into the image
        this.fetcher = new SafeUrlFetcher(vertx, FetchPolicy.from(config), java.net.InetAddress::getAllByName,
                work.temp());
    }

    /** Decoding only (tests): no uploads, no URL fetching. */
    VideoInputs(UploadStore uploads, VideoLimits limits, java.time.Duration decodeTimeout) {
        this.uploads = uploads;
        this.fetcher = null;
        this.limits = limits;
        this.decodeTimeout = decodeTimeout;
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
        String value = video.strip();
        return checkReference(video, field) == Kind.UPLOAD ? uploads.checkout(value, field) : fetcher.fetch(value, field);
    }

    /**
     * The one video-reference rule with its one message, for request validation and {@link #resolve} alike: the
     * value must be {@code upload:<id>} or an http(s) URL (the id and the URL themselves are checked on use).
     *
     * @throws VideoInputException 400 {@code invalid_video_reference} naming {@code field} when absent or of another kind
     */
    public static Kind checkReference(String video, String field) {
        if (video == null || video.isBlank()) {
            throw new VideoInputException(400, "invalid_video_reference", field, "`" + field
                    + "` is required: an http(s) URL or upload:<id> from POST /uploads");
        }
        return kind(video).orElseThrow(() -> new VideoInputException(400, "invalid_video_reference", field, "`"
                + field + "` must be an http(s) URL or upload:<id> from POST /uploads (got '"
                + SafeUrlFetcher.abbreviate(video.strip()) + "')"));
    }

    /**
     * The frames of the video {@code video} names, sampled at {@code fps} (at most {@code videoLength} of them) and
     * resized so that the longer side is {@code resolution} (both sides multiples of 64), as Text2Video-Zero's
     * {@code prepare_video} does: {@link #fetch} then {@link #decode}.
     */
    public VideoFrames readFrames(String video, String field, int fps, int videoLength, int resolution,
                                  StageTimer timer) {
        return decode(fetch(video, field, timer), field, fps, videoLength, resolution, timer);
    }

    /** The input video as a local file that the caller hands to {@link #decode} (which deletes it). */
    public Path fetch(String video, String field, StageTimer timer) {
        try (StageTimer.Stage ignored = timer.start("video_fetch")) {
            return resolve(video, field);
        }
    }

    /**
     * Checks {@code file}'s stream info against {@link VideoLimits} (422 before anything is decoded), then decodes the
     * sampled frames within {@code t2v.inputs.decode-timeout}. Meant to run inside the job slot. The file is deleted
     * whatever happens. A file FFmpeg cannot use is a 422 {@code unreadable_video} on {@code field}.
     */
    public VideoFrames decode(Path file, String field, int fps, int videoLength, int resolution, StageTimer timer) {
        java.util.concurrent.Future<VideoFrames> decoding = null;
        try (StageTimer.Stage ignored = timer.start("video_read")) {
            VideoReader reader = new VideoReader(file);
            limits.check(reader.info(), field);
            decoding = DECODER.submit(() -> reader.readFrames(FrameSampling.of(fps, videoLength), resolution));
            return decoding.get(decodeTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            decoding.cancel(true);
            throw new VideoInputException(422, "video_decode_timeout", field, "`" + field + "`: decoding the video took"
                    + " longer than " + decodeTimeout.toSeconds() + " s (t2v.inputs.decode-timeout)");
        } catch (java.util.concurrent.ExecutionException e) {
            throw unreadable(file, field, e.getCause());
        } catch (InterruptedException e) {
            decoding.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decoding the input video", e);
        } catch (VideoReadException e) {
            throw unreadable(file, field, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("cannot delete fetched video %s: %s", file, e.getMessage());
            }
        }
    }

    private static RuntimeException unreadable(Path file, String field, Throwable e) {
        if (!(e instanceof VideoReadException)) {
            return e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        // the message names our temp file: say "the video" instead
        String message = String.valueOf(e.getMessage()).replace(file.toAbsolutePath().toString(), "the video")
                .replace(file.toString(), "the video");
        return new VideoInputException(422, "unreadable_video", field, message, e);
    }

    /** Decodes run here so that a deadline can end the wait (daemon threads: they never hold the JVM up). */
    private static final java.util.concurrent.ExecutorService DECODER = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "t2v-video-decode");
        t.setDaemon(true);
        return t;
    });

    @PreDestroy
    void close() {
        if (fetcher != null) {
            fetcher.close();
        }
    }
}
