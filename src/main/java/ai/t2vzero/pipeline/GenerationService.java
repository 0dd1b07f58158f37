package ai.t2vzero.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.video.CannyEdges;
import ai.t2vzero.video.FrameTensors;
import ai.t2vzero.video.VideoFrames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.function.Function;

/**
 * One generation per mode, from validated parameters to finished frames: loads the models by name, fits the chunk
 * size to the memory budget ({@code t2v.limits.chunk-memory-budget}), turns input frames into tensors, runs the
 * mode's pipeline on the {@link DenoisingEngine} with per-frame seeded noise, and hands back the frames as bytes.
 * Every tensor it makes is freed before it returns, also when a {@link GenerationListener} stops the run.
 *
 * <p>Errors: an unknown bundle, or one unfit for the mode (a ControlNet that does not fit the model, a model that
 * is not InstructPix2Pix), is an {@link InvalidFieldException} on {@code model} / {@code controlnet}.
 */
@ApplicationScoped
public class GenerationService {

    static final String MODEL_LOAD = "model_load";
    static final String CANNY = "canny";

    @Inject
    ModelSource models;

    @Inject
    T2vConfig config;

    /** Text2Video-Zero: the frames of {@code params} (height/width 0 meaning the bundle's native size). */
    public VideoFrames textToVideo(TextToVideoParams params, GenerationListener listener, StageTimer timer) {
        StableDiffusionModels sd = stableDiffusion(params.model(), timer);
        TextToVideoParams sized = params.withNativeSize(sd.nativeSize());
        TextToVideoParams p = sized.withChunkSize(chunkSize(sd, sized.chunkSize(), sized.height(), sized.width(),
                sized.videoLength()));
        GenerationRun run = run(p.seed(), timer, listener);
        return frames(p.fps(), out -> new TextToVideoZeroPipeline(sd).generate(p, run, out));
    }

    /**
     * edge-to-video and pose-to-video: {@code input}'s frames (their Canny edges when {@code canny} is set) are the
     * control images of {@link ControlVideoPipeline}.
     */
    public VideoFrames controlVideo(String model, String controlnetName, ControlVideoParams params, long seed,
                                    VideoFrames input, CannyEdges canny, int fps, GenerationListener listener,
                                    StageTimer timer) {
        StableDiffusionModels sd = stableDiffusion(model, timer);
        ControlVideoPipeline pipeline = controlPipeline(sd, controlnetName, timer);
        VideoFrames control = input;
        if (canny != null) {
            try (StageTimer.Stage ignored = timer.start(CANNY)) {
                control = canny.apply(input);
            }
        }
        VideoFrames conditions = control;
        ControlVideoParams p = params.withChunkSize(chunkSize(sd, params.chunkSize(), conditions.height(),
                conditions.width(), conditions.frameCount()));
        GenerationRun run = run(seed, timer, listener);
        return frames(fps, out -> {
            try (NDManager in = NDManager.newBaseManager(sd.device().device())) {
                NDArray images = FrameTensors.toFchw(conditions, in);                  // [F, 3, H, W] in [0, 1]
                return pipeline.generate(p, images, run, out);
            }
        });
    }

    /** video-pix2pix: every frame of {@code input} edited by {@link VideoPix2PixPipeline}. */
    public VideoFrames videoPix2Pix(String model, VideoPix2PixParams params, long seed, VideoFrames input, int fps,
                                    GenerationListener listener, StageTimer timer) {
        StableDiffusionModels sd = stableDiffusion(model, timer);
        VideoPix2PixPipeline pipeline = pix2pixPipeline(sd);
        VideoPix2PixParams p = params.withChunkSize(chunkSize(sd, params.chunkSize(), input.height(), input.width(),
                input.frameCount()));
        GenerationRun run = run(seed, timer, listener);
        return frames(fps, out -> {
            try (NDManager in = NDManager.newBaseManager(sd.device().device())) {
                NDArray video = FrameTensors.toFchw(input, in);                          // [F, 3, H, W] in [0, 1]
                return pipeline.generate(p, video, run, out);
            }
        });
    }

    /**
     * Loads (once) and checks the models a job needs: {@code controlnet} null for text-to-video, {@code pix2pix} for
     * video-pix2pix. A job calls it before it takes a slot, so that a bad model name or an unfit bundle is refused at
     * once; the generation itself then finds them loaded.
     */
    public void load(String model, String controlnet, boolean pix2pix, StageTimer timer) {
        StableDiffusionModels sd = stableDiffusion(model, timer);
        if (controlnet != null) {
            controlPipeline(sd, controlnet, timer);
        }
        if (pix2pix) {
            pix2pixPipeline(sd);
        }
    }

    private ControlVideoPipeline controlPipeline(StableDiffusionModels sd, String controlnetName, StageTimer timer) {
        ControlNetModel controlnet;
        try (StageTimer.Stage ignored = timer.start(MODEL_LOAD)) {
            controlnet = models.controlNet(controlnetName, "controlnet");
        }
        try {
            return new ControlVideoPipeline(sd, controlnet);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("controlnet", "controlnet '" + controlnetName + "': " + e.getMessage(), e);
        }
    }

    private static VideoPix2PixPipeline pix2pixPipeline(StableDiffusionModels sd) {
        try {
            return new VideoPix2PixPipeline(sd);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("model", e.getMessage(), e);
        }
    }

    /** The SD bundle {@code name} (request field "model"), loading it on first use. */
    private StableDiffusionModels stableDiffusion(String name, StageTimer timer) {
        try (StageTimer.Stage ignored = timer.start(MODEL_LOAD)) {
            return models.stableDiffusion(name, "model");
        }
    }

    /** {@code requested}, lowered so that a chunk's UNet batch fits the configured memory budget. */
    private int chunkSize(StableDiffusionModels sd, int requested, int height, int width, int frames) {
        return sd.chunkSizeWithin(requested, config.limits().chunkMemoryBudget().asLongValue(), height, width, frames);
    }

    private static GenerationRun run(long seed, StageTimer timer, GenerationListener listener) {
        return GenerationRun.of(new SeededVideoNoise(seed), timer).withListener(listener);
    }

    /** Runs {@code pipeline} (frames [F, H, W, 3] in [0, 1] on the manager it is given) and copies the frames out. */
    private static VideoFrames frames(int fps, Function<NDManager, NDArray> pipeline) {
        try (NDManager out = NDManager.newBaseManager(Device.cpu())) {
            return FrameTensors.fromFhwc(pipeline.apply(out), fps);
        }
    }
}
