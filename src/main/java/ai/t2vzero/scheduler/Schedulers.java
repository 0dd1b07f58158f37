package ai.t2vzero.scheduler;

import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;

import java.util.Locale;

/**
 * Builds a {@link Scheduler} from a bundle's {@code scheduler/scheduler_config.json}: the class the file names, or
 * another one by short name ({@code ddim}, {@code pndm}, {@code euler_ancestral}) keeping the file's betas and
 * spacing, as diffusers' {@code OtherScheduler.from_config(pipe.scheduler.config)} does (keys missing from the file
 * take the defaults of the class being built; see {@link SchedulerConfig}).
 */
public final class Schedulers {

    public static final String DDIM = "DDIMScheduler";
    public static final String PNDM = "PNDMScheduler";
    public static final String EULER_ANCESTRAL = "EulerAncestralDiscreteScheduler";

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
        return create(SchedulerConfig.read(cfg, className(name, cfg.source())));
    }

    public static Scheduler create(SchedulerConfig config) {
        return switch (config.className()) {
            case DDIM -> new DDIMScheduler(config);
            case PNDM -> new PNDMScheduler(config);
            case EULER_ANCESTRAL -> new EulerAncestralDiscreteScheduler(config);
            default -> throw new WeightLoadException("scheduler class '" + config.className() + "' is not supported");
        };
    }

    /** diffusers class name of a short scheduler name (class names pass through). */
    public static String className(String name, String source) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "ddim", "ddimscheduler" -> DDIM;
            case "pndm", "pndmscheduler" -> PNDM;
            case "euler_ancestral", "euler-ancestral", "eulerancestraldiscretescheduler" -> EULER_ANCESTRAL;
            default -> throw new WeightLoadException(source + ": unknown scheduler '" + name + "' (known: ddim, pndm, "
                    + "euler_ancestral)");
        };
    }
}
