package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.scheduler.Scheduler;

import java.util.List;

/**
 * The small strategy a mode plugs into {@link DenoisingEngine}: its run settings (frames, chunk size, latent shape,
 * guidance groups, scheduler by name, steps, eta), how its prompt is encoded, what it does once before the chunks
 * (first-frame loops, image latents), how a chunk's starting latents are made and how its noise is predicted. One
 * instance serves one generation (it may keep that run's arrays in fields; they live on the engine's work manager).
 */
abstract class VideoMode {

    /**
     * How a mode's run is set up; {@code mergingRatio} is the UNet's token merging (tomesd; 0: off, no extra
     * operation).
     */
    record Settings(int frames, int chunkSize, Shape frameLatent, int guidanceGroups, String scheduler,
                    int numInferenceSteps, double eta, boolean crossFrameAttention, double mergingRatio) {
    }

    private final Settings settings;

    VideoMode(Settings settings) {
        this.settings = settings;
    }

    final Settings settings() {
        return settings;
    }

    /** One frame's latent [1, C, h, w] for H x W images: C latent channels, h = H / 8, w = W / 8 for SD. */
    static Shape frameLatent(StableDiffusionModels models, long channels, long height, long width) {
        int vsf = models.vaeScaleFactor();
        return new Shape(1, channels, height / vsf, width / vsf);
    }

    /**
     * The stages this mode runs besides text encoding, the chunks' denoising ({@code all_frames}) and decoding, with
     * their units, for the schedule {@code timesteps} and the chunk plan {@code chunks} (for progress reporting).
     */
    List<GenerationListener.StagePlan> extraStages(double[] timesteps, List<int[]> chunks) {
        return List.of();
    }

    /** Denoising steps each chunk runs, for the schedule {@code timesteps}: all of them unless a mode says less. */
    int chunkSteps(double[] timesteps) {
        return timesteps.length;
    }

    /** Prompt embeddings [G, L, D] in the group order the mode's predictor expects, on {@code work}. */
    abstract NDArray encodePrompt(DenoisingEngine engine, NDManager work);

    /**
     * Runs once before the chunks, on {@code work}: whatever the chunks share. {@code scheduler} is fresh (timesteps
     * set); the mode may run loops on it through {@code engine}. Returns the loop every chunk runs and the scheduler
     * state each chunk starts from (a copy of it per chunk; the engine closes both schedulers at the end).
     */
    abstract ChunkLoop prepare(DenoisingEngine engine, NDManager work, NDArray embeds, Scheduler scheduler);

    /** The chunk's starting latents [m, C, h, w] (frame 0 first) and its noise predictor. */
    abstract ChunkStart startChunk(DenoisingEngine engine, int[] chunk, NDArray embeds);

    /** The loop every chunk runs, from (a copy of) {@code scheduler}. */
    record ChunkLoop(DenoisingEngine.Loop loop, Scheduler scheduler) {
    }

    /** A chunk's x_T (or x_{T1}) [m, C, h, w] and how its noise is predicted. */
    record ChunkStart(NDArray latents, NoisePredictor predictor) {
    }
}
