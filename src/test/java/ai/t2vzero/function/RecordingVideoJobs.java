package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.errors.PayloadTooLargeException;
import ai.t2vzero.errors.ServiceUnavailableException;
import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import ai.t2vzero.pipeline.TextToVideoParams;

/**
 * Test double of {@link VideoJobs}, enabled only by {@link TextToVideoFunctionDelegationTest.Profile}: records
 * what the function handed over and answers without generating. Prompts "boom", "busy", "huge" and "no-model"
 * make it fail the way the real jobs can.
 */
@Alternative
@ApplicationScoped
public class RecordingVideoJobs extends VideoJobs {

    private volatile TextToVideoParams lastParams;
    private volatile String lastBaseUrl;

    // accessors, not fields: tests see this bean through its client proxy
    TextToVideoParams lastParams() {
        return lastParams;
    }

    String lastBaseUrl() {
        return lastBaseUrl;
    }

    @Override
    public TextToVideoResponse textToVideo(TextToVideoParams params, String publicBaseUrl) {
        lastParams = params;
        lastBaseUrl = publicBaseUrl;
        switch (params.prompt()) {
            case "boom" -> throw new IllegalStateException("secret internal detail");
            case "busy" -> throw new ServiceUnavailableException("all generation slots are busy", Duration.ofMillis(29_001));
            case "huge" -> throw new PayloadTooLargeException("videoLength", "videoLength x height x width is too large");
            case "no-model" -> throw new InvalidFieldException("model", "model \"" + params.model() + "\" is not installed");
            default -> {
                String id = "0123456789abcdef0123456789abcdef." + params.format().extension();
                return new TextToVideoResponse(id, publicBaseUrl + "/artifacts/" + id, params.format().extension(),
                        params.videoLength(), params.width(), params.height(), params.fps(), params.seed(),
                        Map.of("unet", 1.5));
            }
        }
    }
}
