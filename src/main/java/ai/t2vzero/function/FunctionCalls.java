package ai.t2vzero.function;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.config.JobsConfig;
import ai.t2vzero.ops.JobMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The four functions by name, for every way a call arrives (Funqy, {@code POST /jobs/{function}}, a CloudEvent in
 * sink mode): reads a body as the function's request, validates it (400 naming the field, counted as a rejected
 * request of that mode) and binds it to the {@link VideoJobs} method that runs it.
 */
@ApplicationScoped
public class FunctionCalls {

    /** Every function, in the order the docs list them. */
    public static final List<String> NAMES = List.of(TextToVideoFunction.NAME, EdgeToVideoFunction.NAME,
            PoseToVideoFunction.NAME, VideoPix2PixFunction.NAME);

    @Inject
    T2vConfig config;

    @Inject
    JobsConfig jobsConfig;

    @Inject
    VideoJobs jobs;

    @Inject
    JobMetrics metrics;

    @Inject
    ObjectMapper mapper;

    /** True for the name of one of the four functions. */
    public static boolean exists(String function) {
        return NAMES.contains(function);
    }

    /** The request record of {@code function}. */
    public static Class<? extends AsyncFields> requestType(String function) {
        return switch (function) {
            case TextToVideoFunction.NAME -> TextToVideoRequest.class;
            case EdgeToVideoFunction.NAME -> EdgeToVideoRequest.class;
            case PoseToVideoFunction.NAME -> PoseToVideoRequest.class;
            case VideoPix2PixFunction.NAME -> VideoPix2PixRequest.class;
            default -> throw new IllegalArgumentException("no function " + function);
        };
    }

    /**
     * Reads {@code body} (JSON; empty or null means no request) as {@code function}'s request and validates it.
     *
     * @throws UncheckedIOException around Jackson's exception for unreadable JSON (400 naming the field)
     * @throws InvalidFieldException for a bad value
     */
    public PreparedCall parse(String function, byte[] body, String publicBaseUrl) {
        Object request = null;
        try {
            if (body != null && body.length > 0) {
                request = mapper.readValue(body, requestType(function));
            }
        } catch (JsonProcessingException e) {
            metrics.rejected(function);
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return prepare(function, request, publicBaseUrl);
    }

    /** Like {@link #parse} for a JSON tree (a structured CloudEvent's data); null means no request. */
    public PreparedCall parse(String function, JsonNode body, String publicBaseUrl) {
        Object request = null;
        try {
            if (body != null && !body.isNull() && !body.isMissingNode()) {
                request = mapper.treeToValue(body, requestType(function));
            }
        } catch (JsonProcessingException e) {
            metrics.rejected(function);
            throw new UncheckedIOException(e);
        }
        return prepare(function, request, publicBaseUrl);
    }

    /**
     * Validates {@code request} (null: an empty body) of {@code function} and binds it to its generation.
     *
     * @param publicBaseUrl base of the artifact URLs in the answer
     * @throws InvalidFieldException naming the first field at fault
     */
    public PreparedCall prepare(String function, Object request, String publicBaseUrl) {
        try {
            if (request == null) {
                throw new InvalidFieldException("prompt", "prompt must not be blank (the request body is empty)");
            }
            AsyncFields fields = (AsyncFields) request;
            GenerationCall call = switch (function) {
                case TextToVideoFunction.NAME -> bind((TextToVideoRequest) request, r -> r.resolve(config),
                        p -> listener -> jobs.textToVideo(p, publicBaseUrl, listener));
                case EdgeToVideoFunction.NAME -> bind((EdgeToVideoRequest) request, r -> r.resolve(config),
                        j -> listener -> jobs.controlVideo(j, publicBaseUrl, listener));
                case PoseToVideoFunction.NAME -> bind((PoseToVideoRequest) request, r -> r.resolve(config),
                        j -> listener -> jobs.controlVideo(j, publicBaseUrl, listener));
                case VideoPix2PixFunction.NAME -> bind((VideoPix2PixRequest) request, r -> r.resolve(config),
                        j -> listener -> jobs.videoPix2Pix(j, publicBaseUrl, listener));
                default -> throw new IllegalArgumentException("no function " + function);
            };
            return new PreparedCall(function, call, timeout(fields.timeoutSeconds()), webhook(fields.webhook()));
        } catch (InvalidFieldException e) {
            metrics.rejected(function);
            throw e;
        }
    }

    private static <R, P> GenerationCall bind(R request, Function<R, P> resolve, Function<P, GenerationCall> run) {
        return run.apply(resolve.apply(request));
    }

    /** The request's timeoutSeconds, in [1, t2v.jobs.timeout]; absent: t2v.jobs.timeout. */
    private Duration timeout(Integer timeoutSeconds) {
        Duration max = jobsConfig.timeout();
        if (timeoutSeconds == null) {
            return max;
        }
        long maxSeconds = Math.max(1, max.toSeconds());
        if (timeoutSeconds < 1 || timeoutSeconds > maxSeconds) {
            throw new InvalidFieldException("timeoutSeconds", "timeoutSeconds must be in [1, " + maxSeconds
                    + "] (got " + timeoutSeconds + ")");
        }
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** Syntax only here; the address is checked when the job is submitted (ai.t2vzero.job.WebhookSender). */
    private static String webhook(String webhook) {
        if (webhook == null) {
            return null;
        }
        String w = webhook.strip();
        String lower = w.toLowerCase(java.util.Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
            throw new InvalidFieldException("webhook", "webhook must be an http(s) URL");
        }
        return w;
    }
}
