package ai.t2vzero.function;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.ops.JobMetrics;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The four request types share one validation of their common fields (same field, same message, same configured
 * bound), and the ControlNet modes add the original app's quality prompt unless asked not to.
 */
class RequestValidationTest {

    private static final T2vConfig CONFIG = new SmallRyeConfigBuilder().addDiscoveredConverters()
            .withSources(new PropertiesConfigSource(Map.of("t2v.limits.max-fps", "30"), "test", 500))
            .withMapping(T2vConfig.class).build().getConfigMapping(T2vConfig.class);

    private static final String UPLOAD = "upload:" + "0".repeat(32);

    /** Each mode's request with {@code json}'s fields, resolved against CONFIG. */
    private static List<Function<Map<String, Object>, Object>> modes() {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        return List.of(
                f -> m.convertValue(f, TextToVideoRequest.class).resolve(CONFIG),
                f -> m.convertValue(withVideo(f), EdgeToVideoRequest.class).resolve(CONFIG),
                f -> m.convertValue(withVideo(f), PoseToVideoRequest.class).resolve(CONFIG),
                f -> m.convertValue(withVideo(f), VideoPix2PixRequest.class).resolve(CONFIG));
    }

    private static Map<String, Object> withVideo(Map<String, Object> f) {
        Map<String, Object> all = new java.util.HashMap<>(f);
        all.putIfAbsent("video", UPLOAD);
        return all;
    }

    private static void rejectedEverywhere(Map<String, Object> fields, String field, String message) {
        for (Function<Map<String, Object>, Object> mode : modes()) {
            InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> mode.apply(fields));
            assertEquals(field, e.field());
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    void sharedFieldsAreCheckedTheSameWayInEveryMode() {
        rejectedEverywhere(Map.of("prompt", " "), "prompt", "prompt must not be blank");
        rejectedEverywhere(Map.of("prompt", "x", "model", "../etc"), "model", "model must be a bundle name of 1 to 128"
                + " characters from [A-Za-z0-9._-], starting with a letter or digit and without \"..\" (got \"../etc\")");
        rejectedEverywhere(Map.of("prompt", "x", "fps", 31), "fps", "fps must be in [1, 30] (got 31)");
        rejectedEverywhere(Map.of("prompt", "x", "chunkSize", 1), "chunkSize", "chunkSize must be >= 2 (got 1)");
        rejectedEverywhere(Map.of("prompt", "x", "format", "avi"), "format", "format must be one of mp4, gif (got \"avi\")");
        rejectedEverywhere(Map.of("prompt", "x", "guidanceScale", -1.0), "guidanceScale",
                "guidanceScale must be >= 0 (got -1.0)");
    }

    @Test
    void mergingRatioIsInZeroToOneInEveryModeAndDefaultsToOff() {
        rejectedEverywhere(Map.of("prompt", "x", "mergingRatio", -0.1), "mergingRatio",
                "mergingRatio must be >= 0 and < 1 (got -0.1)");
        rejectedEverywhere(Map.of("prompt", "x", "mergingRatio", 1.0), "mergingRatio",
                "mergingRatio must be >= 0 and < 1 (got 1.0)");
        rejectedEverywhere(Map.of("prompt", "x", "mergingRatio", 2), "mergingRatio",
                "mergingRatio must be >= 0 and < 1 (got 2.0)");
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(0.0, TextToVideoRequest.ofPrompt("a cat").resolve(CONFIG).mergingRatio(), "off by default");
        assertEquals(0.0, EdgeToVideoRequest.of("a robot", UPLOAD).resolve(CONFIG).params().mergingRatio());
        assertEquals(0.0, PoseToVideoRequest.of("a robot", UPLOAD).resolve(CONFIG).params().mergingRatio());
        assertEquals(0.0, VideoPix2PixRequest.of("snow", UPLOAD).resolve(CONFIG).params().mergingRatio());
        // the original app's slider goes to 0.9; tomesd merges at most 3/4 of a block's tokens whatever the ratio
        Map<String, Object> high = Map.of("prompt", "x", "video", UPLOAD, "mergingRatio", 0.9);
        assertEquals(0.9, m.convertValue(Map.of("prompt", "x", "mergingRatio", 0.9), TextToVideoRequest.class)
                .resolve(CONFIG).mergingRatio());
        assertEquals(0.9, m.convertValue(high, EdgeToVideoRequest.class).resolve(CONFIG).params().mergingRatio());
        assertEquals(0.9, m.convertValue(high, PoseToVideoRequest.class).resolve(CONFIG).params().mergingRatio());
        assertEquals(0.9, m.convertValue(high, VideoPix2PixRequest.class).resolve(CONFIG).params().mergingRatio());

        T2vConfig halfByConfig = new SmallRyeConfigBuilder().addDiscoveredConverters()
                .withSources(new PropertiesConfigSource(Map.of("t2v.defaults.merging-ratio", "0.5"), "test", 500))
                .withMapping(T2vConfig.class).build().getConfigMapping(T2vConfig.class);
        assertEquals(0.5, TextToVideoRequest.ofPrompt("a cat").resolve(halfByConfig).mergingRatio());
        assertEquals(0.5, VideoPix2PixRequest.of("snow", UPLOAD).resolve(halfByConfig).params().mergingRatio());
        assertEquals(0.0, m.convertValue(Map.of("prompt", "x", "mergingRatio", 0), TextToVideoRequest.class)
                .resolve(halfByConfig).mergingRatio(), "the request's 0 turns the configured merging off");
    }

    @Test
    void theAppsSwitchesDefaultOnAndFollowTheRequestAndTheConfig() {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        ai.t2vzero.pipeline.TextToVideoParams t = TextToVideoRequest.ofPrompt("a cat").resolve(CONFIG);
        assertEquals(List.of(true, true), List.of(t.useMotionField(), t.useCrossFrameAttention()));
        t = m.convertValue(Map.of("prompt", "a cat", "useMotionField", false, "useCrossFrameAttention", false),
                TextToVideoRequest.class).resolve(CONFIG);
        assertEquals(List.of(false, false), List.of(t.useMotionField(), t.useCrossFrameAttention()));
        assertEquals(true, EdgeToVideoRequest.of("a robot", UPLOAD).resolve(CONFIG).params().useCrossFrameAttention());
        assertEquals(true, PoseToVideoRequest.of("a robot", UPLOAD).resolve(CONFIG).params().useCrossFrameAttention());
        assertEquals(true, VideoPix2PixRequest.of("snow", UPLOAD).resolve(CONFIG).params().useCrossFrameAttention());
        Map<String, Object> off = Map.of("prompt", "x", "video", UPLOAD, "useCrossFrameAttention", false);
        assertEquals(false, m.convertValue(off, EdgeToVideoRequest.class).resolve(CONFIG).params()
                .useCrossFrameAttention());
        assertEquals(false, m.convertValue(off, PoseToVideoRequest.class).resolve(CONFIG).params()
                .useCrossFrameAttention());
        assertEquals(false, m.convertValue(off, VideoPix2PixRequest.class).resolve(CONFIG).params()
                .useCrossFrameAttention());

        T2vConfig offByConfig = new SmallRyeConfigBuilder().addDiscoveredConverters()
                .withSources(new PropertiesConfigSource(Map.of("t2v.defaults.use-motion-field", "false",
                        "t2v.defaults.use-cross-frame-attention", "false"), "test", 500))
                .withMapping(T2vConfig.class).build().getConfigMapping(T2vConfig.class);
        t = TextToVideoRequest.ofPrompt("a cat").resolve(offByConfig);
        assertEquals(List.of(false, false), List.of(t.useMotionField(), t.useCrossFrameAttention()));
        assertEquals(false, VideoPix2PixRequest.of("snow", UPLOAD).resolve(offByConfig).params()
                .useCrossFrameAttention());
    }

    @Test
    void controlModesAddTheAppsQualityPrompt() {
        ControlVideoJob edge = EdgeToVideoRequest.of("a robot", UPLOAD).resolve(CONFIG);
        assertEquals("a robot, best quality, extremely detailed", edge.params().prompt());
        assertEquals(CONFIG.defaults().quality().negativePrompt(), edge.params().negativePrompt());
        assertEquals(20, edge.params().numInferenceSteps(), "the app's 20 steps");
        assertEquals(9.0, edge.params().guidanceScale(), "the app's guidance 9");
        ControlVideoJob pose = PoseToVideoRequest.of("a robot", UPLOAD).resolve(CONFIG);
        assertEquals("a robot, best quality, extremely detailed", pose.params().prompt());

        ControlVideoJob plain = new PoseToVideoRequest("a robot", null, null, null, UPLOAD, null, null, null, null, null,
                null, null, false, null, null, null, null, null, null, null, null).resolve(CONFIG);
        assertEquals("a robot", plain.params().prompt());
        assertEquals("", plain.params().negativePrompt());
        ControlVideoJob ownNegative = new PoseToVideoRequest("a robot", "blurry", null, null, UPLOAD, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null).resolve(CONFIG);
        assertEquals("blurry", ownNegative.params().negativePrompt(), "the request's negative prompt wins");
        assertNull(pose.canny());
    }

    @Test
    void pix2pixKeepsDiffusersImageGuidance() {
        VideoPix2PixJob job = VideoPix2PixRequest.of("make it snowy", UPLOAD).resolve(CONFIG);
        assertEquals(50, job.params().numInferenceSteps());
        assertEquals(1.5, job.params().imageGuidanceScale());
        assertEquals("euler-ancestral", job.params().scheduler());
    }

    @Test
    void everyFunctionIsAMeteredMode() {
        assertEquals(new HashSet<>(JobMetrics.MODES), FunctionSupport.INPUTS.keySet());
    }
}
