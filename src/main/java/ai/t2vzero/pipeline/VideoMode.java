package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.scheduler.Scheduler;

import java.util.List;

/**
 * The small strategy a mode plugs into {@link DenoisingEngine}: its schedule, how its prompt is encoded, what it
 * does once before the chunks (first-frame loops, image latents), how a chunk's starting latents are made and how
 * its noise is predicted. One instance serves one generation (it may keep that run's arrays in fields; they live on
 * the engine's work manager).
 */
interface VideoMode {

    /** Number of frames F of the video. */
    int frames();

    /** Frames per chunk, frame 0 included. */
    int chunkSize();

    /** The shape of one frame's latent, [1, C, h, w]. */
    Shape frameLatent();

    /** Guidance groups G of the UNet batch (1 without guidance); the cross-frame anchor repeats per group. */
    int guidanceGroups();

    /** Scheduler kind, by its registry name ({@code ddim}, {@code pndm}, {@code euler_ancestral}, ...). */
    String scheduler();

    int numInferenceSteps();

    /** DDIM's eta (ignored by the other schedulers). */
    double eta();

    /**
     * The stages this mode runs besides text encoding, the chunks' denoising ({@code all_frames}) and decoding, with
     * their units, for the schedule {@code timesteps} and the chunk plan {@code chunks} (for progress reporting).
     */
    List<GenerationListener.StagePlan> extraStages(double[] timesteps, List<int[]> chunks);

    /** Denoising steps each chunk runs, for the schedule {@code timesteps}. */
    int chunkSteps(double[] timesteps);

    /** Prompt embeddings [G, L, D] in the group order the mode's predictor expects, on {@code work}. */
    NDArray encodePrompt(DenoisingEngine engine, NDManager work);

    /**
     * Runs once before the chunks, on {@code work}: whatever the chunks share. {@code scheduler} is fresh (timesteps
     * set); the mode may run loops on it through {@code engine}. Returns the loop every chunk runs and the scheduler
     * state each chunk starts from (a copy of it per chunk; the engine closes both schedulers at the end).
     */
    ChunkLoop prepare(DenoisingEngine engine, NDManager work, NDArray embeds, Scheduler scheduler);

    /** The chunk's starting latents [m, C, h, w] (frame 0 first) and its noise predictor. */
    ChunkStart startChunk(DenoisingEngine engine, int[] chunk, NDArray embeds);

    /** The loop every chunk runs, from (a copy of) {@code scheduler}. */
    record ChunkLoop(DenoisingEngine.Loop loop, Scheduler scheduler) {
    }

    /** A chunk's x_T (or x_{T1}) [m, C, h, w] and how its noise is predicted. */
    record ChunkStart(NDArray latents, NoisePredictor predictor) {
    }
}
