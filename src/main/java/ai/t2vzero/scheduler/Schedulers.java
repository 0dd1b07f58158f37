package ai.t2vzero.scheduler;

import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;

import java.util.Locale;

/**
 * Builds a {@link Scheduler} from a bundle's {@code scheduler/scheduler_config.json}: the class the file names, or
 * another one by short name keeping the file's betas and spacing, as diffusers'
 * {@code OtherScheduler.from_config(pipe.scheduler.config)} does (keys missing from the file take the defaults of the
 * class being built; see {@link SchedulerConfig}).
 *
 * <p>Short names (requests and config use the first spelling): {@code ddim}, {@code pndm}, {@code euler-ancestral}
 * ({@code euler_ancestral}), {@code dpm-solver++} ({@code dpmpp}; DPMSolverMultistepScheduler with the file's
 * options) and {@code dpm-solver++-karras} ({@code dpmpp_karras}; the same with {@code use_karras_sigmas} on).
 */
public final class Schedulers {

    public static final String DDIM = "DDIMScheduler";
    public static final String PNDM = "PNDMScheduler";
    public static final String EULER_ANCESTRAL = "EulerAncestralDiscreteScheduler";
    public static final String DPM_SOLVER_MULTISTEP = "DPMSolverMultistepScheduler";

    /** The short names a request may use, in the order error messages list them. */
    public static final java.util.List<String> NAMES =
            java.util.List.of("ddim", "pndm", "euler-ancestral", "dpm-solver++", "dpm-solver++-karras");

    private Schedulers() {}

    /** The scheduler class named by the config's {@code _class_name}. */
    public static Scheduler fromConfig(ConfigJson cfg) {
        return create(SchedulerConfig.read(cfg));
    }

    /**
     * A scheduler of kind {@code name} ({@code ddim}, {@code pndm}, {@code euler_ancestral}, or a diffusers class
     * name) built from {@code cfg}, whatever class wrote it.
     */
    public static Scheduler fromConfig(ConfigJson cfg, String name) {
        SchedulerConfig config = SchedulerConfig.read(cfg, className(name, cfg.source()));
        if (karras(name)) {
            config = config.withKarrasSigmas();
        }
        return create(config);
    }

    /** Whether a short name asks for Karras sigmas on top of the file's options. */
    private static boolean karras(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("dpm-solver++-karras") || n.equals("dpmpp_karras");
    }

    /** Whether {@code name} is a scheduler name {@link #fromConfig(ConfigJson, String)} accepts. */
    public static boolean known(String name) {
        try {
            className(name, "");
            return true;
        } catch (WeightLoadException e) {
            return false;
        }
    }

    public static Scheduler create(SchedulerConfig config) {
        return switch (config.className()) {
            case DDIM -> new DDIMScheduler(config);
            case PNDM -> new PNDMScheduler(config);
            case EULER_ANCESTRAL -> new EulerAncestralDiscreteScheduler(config);
            case DPM_SOLVER_MULTISTEP -> new DPMSolverMultistepScheduler(config);
            default -> throw new WeightLoadException("scheduler class '" + config.className() + "' is not supported");
        };
    }

    /** diffusers class name of a short scheduler name (class names pass through). */
    public static String className(String name, String source) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "ddim", "ddimscheduler" -> DDIM;
            case "pndm", "pndmscheduler" -> PNDM;
            case "euler_ancestral", "euler-ancestral", "eulerancestraldiscretescheduler" -> EULER_ANCESTRAL;
            case "dpm-solver++", "dpmpp", "dpm-solver++-karras", "dpmpp_karras", "dpmsolvermultistepscheduler" ->
                    DPM_SOLVER_MULTISTEP;
            default -> throw new WeightLoadException(source + ": unknown scheduler '" + name + "' (known: "
                    + String.join(", ", NAMES) + ")");
        };
    }
}
