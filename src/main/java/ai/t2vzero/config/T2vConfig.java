package ai.t2vzero.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every setting of the service under the prefix {@code t2v}: the one place where defaults live
 * (each key is documented, commented out with its default value, in {@code application.properties}).
 * Request records fall back to {@link Defaults} through a single merge function per request type
 * ({@code TextToVideoRequest.resolve}); nothing else carries a default.
 */
@ConfigMapping(prefix = "t2v")
public interface T2vConfig {

    /**
     * The one writable folder of the service (relative: to the working directory): uploads, local artifacts, demo
     * bundles and temp files go below it unless their own keys say otherwise. Containers mount a volume here
     * (emptyDir or PVC): the image itself is read-only. Checked at startup: not writable -> startup fails naming this key.
     */
    @WithDefault("work")
    @WithConverter(WorkDirConverter.class)
    Path workDir();

    /** /q/health/ready reports DOWN while the work directory's file system has less free space than this. */
    @WithDefault("1G")
    MemorySize workDirMinFree();

    /** Values used for request fields that are absent or null. */
    Defaults defaults();

    /** Where model bundles live and how they are loaded. */
    Models models();

    /** Upper bounds enforced by request validation. */
    Limits limits();

    /** Where generated videos are stored and served from. */
    Artifacts artifacts();

    /** S3-compatible artifact store, used when {@code t2v.artifacts.store=s3}. */
    S3 s3();

    /**
     * Defaults of the text-to-video request (the arguments of diffusers' TextToVideoZeroPipeline.__call__); the keys
     * shared by every mode (videoLength, fps, chunkSize, format, negativePrompt, model, eta) are also the defaults of
     * edge-to-video, pose-to-video and video-pix2pix, whose own keys are in {@link Edge}, {@link Pose}, {@link Pix2pix}.
     */
    interface Defaults {
        /** Number of frames (of the video modes: at most this many frames sampled from the input video). */
        @WithDefault("8")
        int videoLength();

        /** Frame height in pixels (multiple of 8); absent: the bundle's native size (512 for SD 1.5, 256 for the demo). */
        Optional<Integer> height();

        /** Frame width in pixels (multiple of 8); absent: the bundle's native size. */
        Optional<Integer> width();

        /** Denoising steps of the scheduler. */
        @WithDefault("50")
        int numInferenceSteps();

        /** Classifier-free guidance scale; values <= 1 disable guidance. */
        @WithDefault("7.5")
        double guidanceScale();

        /** Global translation of the motion field along x, in latent pixels per frame (delta_x of the paper). */
        @WithDefault("12")
        double motionFieldStrengthX();

        /** Global translation of the motion field along y, in latent pixels per frame (delta_y of the paper). */
        @WithDefault("12")
        double motionFieldStrengthY();

        /**
         * The original app's {@code use_motion_field} (text-to-video): false skips Algorithm 1's first-frame
         * loops, warp and DDPM jump; every frame starts from its own x_T and all are denoised over the whole schedule.
         */
        @WithDefault("true")
        boolean useMotionField();

        /** The original app's {@code use_cf_attn} (every mode): false runs plain per-frame self-attention. */
        @WithDefault("true")
        boolean useCrossFrameAttention();

        /**
         * The original app's {@code merging_ratio} (every mode): token merging as tomesd does it, the fraction of the
         * self-attention tokens merged in the UNet's highest-resolution transformer blocks, in [0, 1); 0 = off.
         */
        @WithDefault("0")
        double mergingRatio();

        /** Timestep index t0 where frames are warped; 44 as in diffusers' pipeline code (the paper uses 45). */
        @WithDefault("44")
        int t0();

        /** Timestep index t1 down to which the first frame is denoised; 47 as in diffusers (the paper uses 48). */
        @WithDefault("47")
        int t1();

        /**
         * The step count t0/t1 are indices for (50): a request with another step count and no t0/t1 gets indices
         * derived from the same position in the noise schedule ({@code ai.t2vzero.pipeline.TimestepIndices}).
         */
        @WithName("t0-t1-steps")
        @WithDefault("50")
        int t0T1Steps();

        /** DDIM eta: 0 is deterministic DDIM, 1 is DDPM-like noise. */
        @WithDefault("0.0")
        double eta();

        /** Frames per UNet call (each chunk also attends to the first frame). */
        @WithDefault("8")
        int chunkSize();

        /** Scheduler: ddim or pndm. */
        @WithDefault("ddim")
        String scheduler();

        /** Frames per second of the encoded video (video modes: also the rate the input video is sampled at). */
        @WithDefault("4")
        int fps();

        /**
         * Video modes: the longer side of the frames in pixels after resizing the input video (both sides are then
         * rounded to multiples of 64, as Text2Video-Zero's prepare_video does).
         */
        @WithDefault("512")
        int resolution();

        /** Container of the result: mp4 or gif. */
        @WithDefault("mp4")
        String format();

        /** Negative prompt; absent means the empty string (an empty config value counts as missing in SmallRye Config). */
        Optional<String> negativePrompt();

        /** Model bundle name under {@code t2v.models.dir}. */
        @WithDefault("demo")
        String model();

        /** Defaults of edge-to-video (ControlNet on Canny edges). */
        Edge edge();

        /** Defaults of pose-to-video (ControlNet on OpenPose skeletons). */
        Pose pose();

        /** Defaults of video-pix2pix (InstructPix2Pix with cross-frame attention). */
        Pix2pix pix2pix();

        /** The original Text2Video-Zero app's quality prompt of the ControlNet modes. */
        Quality quality();
    }

    /**
     * What the original app adds to every ControlNet-mode request (its {@code added_prompt} and fixed
     * {@code negative_prompts} of {@code process_controlnet_canny}): the request field {@code addQualityPrompt}
     * switches it.
     */
    interface Quality {
        /** Default of the request field addQualityPrompt. */
        @WithDefault("true")
        boolean addQualityPrompt();

        /** Appended to the prompt. */
        @WithDefault(", best quality, extremely detailed")
        String promptSuffix();

        /** The negative prompt when the request names none. */
        @WithDefault("longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, fewer digits, cropped,"
                + " worst quality, low quality")
        String negativePrompt();
    }

    interface Edge {
        @WithDefault("20")
        int numInferenceSteps();

        @WithDefault("9.0")
        double guidanceScale();

        /** Multiplier on the ControlNet residuals added to the UNet. */
        @WithDefault("1.0")
        double controlnetConditioningScale();

        /** Detect Canny edges in the input video; false when the input already is an edge video. */
        @WithDefault("true")
        boolean extractEdges();

        /** Canny hysteresis low threshold (0..255). */
        @WithDefault("100")
        int cannyLow();

        /** Canny hysteresis high threshold (0..255). */
        @WithDefault("200")
        int cannyHigh();

        /** ControlNet bundle name under {@code t2v.models.dir}. */
        @WithDefault("controlnet-canny-demo")
        String controlnet();
    }

    interface Pose {
        @WithDefault("20")
        int numInferenceSteps();

        @WithDefault("9.0")
        double guidanceScale();

        /** Multiplier on the ControlNet residuals added to the UNet. */
        @WithDefault("1.0")
        double controlnetConditioningScale();

        /** ControlNet bundle name under {@code t2v.models.dir}. */
        @WithDefault("controlnet-openpose-demo")
        String controlnet();
    }

    interface Pix2pix {
        @WithDefault("50")
        int numInferenceSteps();

        /** Text guidance scale. */
        @WithDefault("7.5")
        double guidanceScale();

        /** Guidance towards the input frames. */
        @WithDefault("1.5")
        double imageGuidanceScale();

        /** InstructPix2Pix bundle name under {@code t2v.models.dir}. */
        @WithDefault("pix2pix-demo")
        String model();
    }

    interface Models {
        /** Directory holding one diffusers bundle folder per model name. */
        @WithDefault("models")
        Path dir();

        /** auto (GPU if libtorch sees one, else CPU), cpu, gpu or gpu:N. */
        @WithDefault("auto")
        String device();

        /**
         * auto (float16 on GPU, float32 on CPU), float32, float16 or bfloat16 (bf16: bfloat16 weights and products of
         * the linear and convolution layers, float32 activations; auto takes it only on a CPU with AVX512_BF16 or AMX
         * where it is measured at startup to run both a UNet convolution and linear layer >= 1.25x faster).
         */
        @WithDefault("auto")
        String dtype();

        /**
         * Write a random-weight demo bundle ({@code demo}, {@code controlnet-canny-demo}, ...) on its first use when it
         * is missing from the models directory (not at startup: a service that never uses one never writes it).
         */
        @WithDefault("true")
        boolean createDemo();

        /**
         * Load the default bundle ({@code t2v.defaults.model}) at startup, before {@code /q/health/started} reports
         * UP, so that the first request does not pay for it.
         */
        @WithDefault("false")
        boolean preload();

        /**
         * Bundles (Stable Diffusion and ControlNet) kept in memory at once; loading one more unloads the least
         * recently used idle one (never one a job is using).
         */
        @WithDefault("3")
        int maxResident();
    }

    interface Limits {
        @WithDefault("64")
        int maxVideoLength();

        @WithDefault("1024")
        int maxHeight();

        @WithDefault("1024")
        int maxWidth();

        /** Longest prompt and negative prompt, in characters (400 naming the field beyond). */
        @WithDefault("4000")
        int maxPromptChars();

        /** Upper bound of fps (output frame rate; for the video modes also the input sampling rate). */
        @WithDefault("60")
        int maxFps();

        /** Upper bound of numInferenceSteps. */
        @WithDefault("150")
        int maxSteps();

        /** Generations running at once in this process (one per GPU: Knative's containerConcurrency is 1 too). */
        @WithDefault("1")
        int maxConcurrentJobs();

        /** How long a request waits for a free job slot before 503 + Retry-After. */
        @WithDefault("5M")
        Duration queueTimeout();

        /** Retry-After of a 503 when every job slot stayed busy, or when libtorch ran out of memory. */
        @WithDefault("30s")
        Duration busyRetryAfter();

        /** Retry-After of a 503 while the service shuts down (another instance takes the retry). */
        @WithDefault("5s")
        Duration shutdownRetryAfter();

        /**
         * Activation memory one chunk of the all-frames loop may use: chunks are cut smaller than chunkSize when
         * the estimate (StableDiffusionModels#unetActivationBytesPerFrame) says a chunk would not fit.
         */
        @WithDefault("8G")
        io.quarkus.runtime.configuration.MemorySize chunkMemoryBudget();
    }

    interface Artifacts {
        /** local (files under dir, served at /artifacts/{id}) or s3. */
        @WithDefault("local")
        Store store();

        /** Directory of the local store; absent: {@code <t2v.work-dir>/artifacts}. */
        Optional<Path> dir();

        /**
         * Base of artifact URLs handed to clients, e.g. https://t2v.example.com. Absent: derived from each
         * request (scheme, host and port, honouring X-Forwarded-Proto/-Host/-Port/-Prefix).
         */
        Optional<URI> publicBaseUrl();

        /** How long an artifact is kept; 0 keeps artifacts forever. */
        @WithDefault("24h")
        Duration retention();

        /** How often expired artifacts are looked for. */
        @WithDefault("15m")
        Duration cleanupInterval();

        enum Store {
            LOCAL,
            S3
        }
    }

    interface S3 {
        Optional<String> bucket();

        /** Key prefix of every object, e.g. t2v/. */
        Optional<String> prefix();

        /** Endpoint of an S3-compatible server (MinIO, Ceph...); absent means AWS. */
        Optional<URI> endpoint();

        @WithDefault("us-east-1")
        String region();

        /** Path-style addressing (endpoint/bucket/key), needed by most S3-compatible servers. */
        @WithDefault("false")
        boolean pathStyle();

        /**
         * Lifetime of the presigned GET URLs returned to clients (at most 7 days); raised to the artifacts' retention
         * (up to 7 days) so that a link lives as long as its artifact. GET /artifacts/{id} re-signs on demand.
         */
        @WithDefault("1h")
        Duration presignExpiry();

        /** Overall deadline of every S3 call (retries included): a hanging endpoint fails the call, not the job slot. */
        @WithDefault("2m")
        Duration apiCallTimeout();

        /**
         * Content up to this size is stored with one PutObject; larger content as a multipart upload in parts of this
         * size (S3 allows 5M to 5G per part and 10,000 parts). One part is buffered in memory during an upload.
         */
        @WithDefault("16M")
        MemorySize partSize();
    }
}
