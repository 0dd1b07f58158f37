package ai.t2vzero.function;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.input.InputsConfig;
import ai.t2vzero.job.JobsConfig;
import ai.t2vzero.pipeline.TextToVideoParams.SchedulerName;
import ai.t2vzero.video.VideoFormat;

/**
 * Every request field of every function, in the order of the request records, with the default this server fills in
 * ({@code t2v.defaults.*}) and the bounds its {@code resolve()} methods enforce ({@code t2v.limits.*} and the fixed
 * ones; {@code t2v.jobs.timeout} for the job fields of {@link AsyncFields}), so that a client (the web page) can show
 * the defaults and bound its inputs. The server's validation stays the authority: these bounds only mirror it
 * (DefaultsResourceTest checks that a value one step outside a bound is rejected naming that field). Cross-field rules (t0 &lt; t1 &lt; numInferenceSteps, cannyLow &lt;= cannyHigh) are not
 * expressed here; the server's 400 names the field.
 */
public final class RequestSchema {

    /** Frames per second accepted by every mode (TextToVideoRequest and VideoModeRequest check [1, 60]). */
    static final int MAX_FPS = 60;
    /** Smallest {@code resolution} of the video modes. */
    static final int MIN_RESOLUTION = 64;
    /** Smallest {@code chunkSize}: frame 0 plus at least one other frame per chunk. */
    static final int MIN_CHUNK_SIZE = 2;

    private RequestSchema() {}

    /**
     * One request field.
     *
     * @param type         string, text (a multi-line string), integer, number, boolean, or video (an {@code upload:<id>}
     *                     or an http(s) URL)
     * @param defaultValue what the server uses when the field is absent; null: none (a required field, the random seed,
     *                     or the bundle's native frame size)
     * @param multipleOf   the value must be a multiple of this (frame sizes)
     * @param options      the accepted values of a string field
     * @param note         what an absent value means when it is not a plain default
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Field(String name, String type, boolean required,
                        @JsonProperty("default") @JsonInclude(JsonInclude.Include.ALWAYS) Object defaultValue,
                        Number min, Number max, Integer multipleOf, List<String> options, String note) {

        static Field of(String name, String type, Object defaultValue) {
            return new Field(name, type, false, defaultValue, null, null, null, null, null);
        }

        Field range(Number lo, Number hi) {
            return new Field(name, type, required, defaultValue, lo, hi, multipleOf, options, note);
        }

        Field multipleOf(int m) {
            return new Field(name, type, required, defaultValue, min, max, m, options, note);
        }

        Field options(List<String> values) {
            return new Field(name, type, required, defaultValue, min, max, multipleOf, values, note);
        }

        Field note(String text) {
            return new Field(name, type, required, defaultValue, min, max, multipleOf, options, text);
        }

        Field mandatory() {
            return new Field(name, type, true, defaultValue, min, max, multipleOf, options, note);
        }
    }

    /** The fields of one function's request. */
    public record FunctionSchema(List<Field> fields) {}

    /** The configured limits, repeated for clients that show them. */
    public record Limits(int maxVideoLength, int maxHeight, int maxWidth, int maxSteps, int maxFps,
                         long maxUploadBytes, List<String> formats, List<String> schedulers) {}

    /** Body of {@code GET /config/defaults}: the four functions by name, and the limits. */
    public record Defaults(Map<String, FunctionSchema> functions, Limits limits) {}

    public static Defaults of(T2vConfig config, InputsConfig inputs, JobsConfig jobs) {
        T2vConfig.Defaults d = config.defaults();
        T2vConfig.Limits l = config.limits();
        List<Field> job = jobFields(jobs);
        Map<String, FunctionSchema> functions = new LinkedHashMap<>();
        functions.put(TextToVideoFunction.NAME, withJobFields(textToVideo(d, l), job));
        functions.put(EdgeToVideoFunction.NAME, withJobFields(edgeToVideo(d, l), job));
        functions.put(PoseToVideoFunction.NAME, withJobFields(poseToVideo(d, l), job));
        functions.put(VideoPix2PixFunction.NAME, withJobFields(videoPix2Pix(d, l), job));
        return new Defaults(functions, new Limits(l.maxVideoLength(), l.maxHeight(), l.maxWidth(), l.maxSteps(),
                MAX_FPS, inputs.uploads().maxBytes().asLongValue(), formats(), schedulers()));
    }

    static FunctionSchema textToVideo(T2vConfig.Defaults d, T2vConfig.Limits l) {
        List<Field> f = new ArrayList<>();
        f.add(prompt());
        f.add(negativePrompt(d));
        f.add(Field.of("model", "string", d.model()).note("bundle folder under t2v.models.dir"));
        f.add(videoLength(d, l));
        f.add(frameSize("height", d.height().orElse(null), l.maxHeight()));
        f.add(frameSize("width", d.width().orElse(null), l.maxWidth()));
        f.add(steps(d.numInferenceSteps(), l));
        f.add(Field.of("guidanceScale", "number", d.guidanceScale()).range(0, null));
        f.add(Field.of("motionFieldStrengthX", "number", d.motionFieldStrengthX()));
        f.add(Field.of("motionFieldStrengthY", "number", d.motionFieldStrengthY()));
        f.add(Field.of("t0", "integer", d.t0()).range(0, null).note("t0 < t1"));
        f.add(Field.of("t1", "integer", d.t1()).note("t1 < numInferenceSteps"));
        f.add(eta(d.eta()));
        f.add(chunkSize(d));
        f.add(seed());
        f.add(Field.of("scheduler", "string", d.scheduler()).options(schedulers()));
        f.add(fps(d));
        f.add(format(d));
        f.add(Field.of("useMotionField", "boolean", d.useMotionField())
                .note("warp frames by the global motion field; off: every frame starts from its own noise"));
        f.add(crossFrameAttention(d));
        return new FunctionSchema(List.copyOf(f));
    }

    static FunctionSchema edgeToVideo(T2vConfig.Defaults d, T2vConfig.Limits l) {
        T2vConfig.Edge e = d.edge();
        List<Field> f = new ArrayList<>(videoModeHead(d, d.model(), e.controlnet(), l));
        f.addAll(stepsAndGuidance(e.numInferenceSteps(), e.guidanceScale(), l));
        f.add(conditioningScale(e.controlnetConditioningScale()));
        f.add(eta(d.eta()));
        f.add(qualityPrompt(d));
        f.add(Field.of("extractEdges", "boolean", e.extractEdges())
                .note("detect Canny edges; off when the video already is an edge video"));
        f.add(Field.of("cannyLow", "integer", e.cannyLow()).range(0, 255).note("cannyLow <= cannyHigh"));
        f.add(Field.of("cannyHigh", "integer", e.cannyHigh()).range(0, 255));
        f.addAll(videoModeTail(d, ai.t2vzero.pipeline.ControlVideoPipeline.DEFAULT_SCHEDULER));
        return new FunctionSchema(List.copyOf(f));
    }

    static FunctionSchema poseToVideo(T2vConfig.Defaults d, T2vConfig.Limits l) {
        T2vConfig.Pose p = d.pose();
        List<Field> f = new ArrayList<>(videoModeHead(d, d.model(), p.controlnet(), l));
        f.addAll(stepsAndGuidance(p.numInferenceSteps(), p.guidanceScale(), l));
        f.add(conditioningScale(p.controlnetConditioningScale()));
        f.add(eta(d.eta()));
        f.add(qualityPrompt(d));
        f.addAll(videoModeTail(d, ai.t2vzero.pipeline.ControlVideoPipeline.DEFAULT_SCHEDULER));
        return new FunctionSchema(List.copyOf(f));
    }

    static FunctionSchema videoPix2Pix(T2vConfig.Defaults d, T2vConfig.Limits l) {
        T2vConfig.Pix2pix p = d.pix2pix();
        List<Field> f = new ArrayList<>(videoModeHead(d, p.model(), null, l));
        f.addAll(stepsAndGuidance(p.numInferenceSteps(), p.guidanceScale(), l));
        f.add(Field.of("imageGuidanceScale", "number", p.imageGuidanceScale()).range(0, null)
                .note("how closely the result follows the input frames"));
        f.addAll(videoModeTail(d, ai.t2vzero.pipeline.VideoPix2PixPipeline.DEFAULT_SCHEDULER));
        return new FunctionSchema(List.copyOf(f));
    }

    /** The video modes' numInferenceSteps and guidanceScale with the mode's defaults. */
    private static List<Field> stepsAndGuidance(int steps, double guidance, T2vConfig.Limits l) {
        return List.of(steps(steps, l), Field.of("guidanceScale", "number", guidance).range(0, null));
    }

    /** What every video mode ends with: chunkSize, seed, format, scheduler (the mode's default) and the switches. */
    private static List<Field> videoModeTail(T2vConfig.Defaults d, String defaultScheduler) {
        return List.of(chunkSize(d), seed(), format(d), videoScheduler(defaultScheduler), crossFrameAttention(d));
    }

    /** timeoutSeconds and webhook ({@link AsyncFields}): about the job, the same for every function, last. */
    static List<Field> jobFields(JobsConfig jobs) {
        long maxSeconds = Math.max(1, jobs.timeout().toSeconds()); // FunctionCalls#timeout
        return List.of(
                Field.of("timeoutSeconds", "integer", maxSeconds).range(1, maxSeconds)
                        .note("deadline of the job from its creation, queue included"),
                Field.of("webhook", "string", null)
                        .note("http(s) URL POSTed the job document when the job ends"));
    }

    private static FunctionSchema withJobFields(FunctionSchema f, List<Field> job) {
        List<Field> all = new ArrayList<>(f.fields());
        all.addAll(job);
        return new FunctionSchema(List.copyOf(all));
    }

    /** prompt, negativePrompt, model, [controlnet], video, videoLength, fps, resolution: the video modes' first fields. */
    private static List<Field> videoModeHead(T2vConfig.Defaults d, String model, String controlnet, T2vConfig.Limits l) {
        List<Field> f = new ArrayList<>();
        f.add(prompt());
        f.add(negativePrompt(d));
        f.add(Field.of("model", "string", model).note("bundle folder under t2v.models.dir"));
        if (controlnet != null) {
            f.add(Field.of("controlnet", "string", controlnet).note("ControlNet bundle folder under t2v.models.dir"));
        }
        f.add(Field.of("video", "video", null).mandatory().note("upload:<id> from POST /uploads, or an http(s) URL"));
        f.add(videoLength(d, l).note("frames sampled from the input video"));
        f.add(fps(d).note("the input video is sampled at this rate"));
        f.add(Field.of("resolution", "integer", d.resolution())
                .range(MIN_RESOLUTION, Math.min(l.maxHeight(), l.maxWidth()))
                .note("longer side of the frames; both sides are rounded to multiples of 64"));
        return f;
    }

    private static Field prompt() {
        return Field.of("prompt", "text", null).mandatory();
    }

    private static Field negativePrompt(T2vConfig.Defaults d) {
        return Field.of("negativePrompt", "text", d.negativePrompt().orElse(""));
    }

    private static Field videoLength(T2vConfig.Defaults d, T2vConfig.Limits l) {
        return Field.of("videoLength", "integer", d.videoLength()).range(1, l.maxVideoLength());
    }

    private static Field frameSize(String name, Integer dflt, int max) {
        Field f = Field.of(name, "integer", dflt).range(8, max).multipleOf(8);
        return dflt == null ? f.note("the bundle's native size") : f;
    }

    private static Field steps(int dflt, T2vConfig.Limits l) {
        return Field.of("numInferenceSteps", "integer", dflt).range(1, l.maxSteps());
    }

    private static Field eta(double dflt) {
        return Field.of("eta", "number", dflt).range(0, 1);
    }

    private static Field conditioningScale(double dflt) {
        return Field.of("controlnetConditioningScale", "number", dflt).range(0, null);
    }

    /** Every mode: the original app's use_cf_attn switch (t2v.defaults.use-cross-frame-attention). */
    private static Field crossFrameAttention(T2vConfig.Defaults d) {
        return Field.of("useCrossFrameAttention", "boolean", d.useCrossFrameAttention())
                .note("frames attend to the first frame; off: plain per-frame self-attention");
    }

    /** ControlNet modes: the original app's quality suffix and negative prompt (t2v.defaults.quality.*). */
    private static Field qualityPrompt(T2vConfig.Defaults d) {
        return Field.of("addQualityPrompt", "boolean", d.quality().addQualityPrompt())
                .note("append \"" + d.quality().promptSuffix().strip() + "\" to the prompt, as the original app does");
    }

    private static Field chunkSize(T2vConfig.Defaults d) {
        return Field.of("chunkSize", "integer", d.chunkSize()).range(MIN_CHUNK_SIZE, null)
                .note("frames denoised at once; the video does not depend on it");
    }

    private static Field seed() {
        return Field.of("seed", "integer", null)
                .note("random; the seed used is echoed in the result");
    }

    private static Field fps(T2vConfig.Defaults d) {
        return Field.of("fps", "integer", d.fps()).range(1, MAX_FPS);
    }

    /** The video modes' scheduler field: the mode's own default (ddim for ControlNet, euler-ancestral for pix2pix). */
    private static Field videoScheduler(String dflt) {
        return Field.of("scheduler", "string", dflt).options(schedulers());
    }

    private static Field format(T2vConfig.Defaults d) {
        return Field.of("format", "string", d.format()).options(formats());
    }

    static List<String> formats() {
        return Arrays.stream(VideoFormat.values()).map(VideoFormat::extension).toList();
    }

    static List<String> schedulers() {
        return Arrays.stream(SchedulerName.values()).map(SchedulerName::id).toList();
    }
}
