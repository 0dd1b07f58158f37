package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.RecordedNoise;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.weights.ConfigJson;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checker of the {@code scheduler} kind. Three case families, told apart by {@code params.what}:
 * <ul>
 *   <li>{@code timesteps}: for every output {@code <kind>_alphas_cumprod}, {@code <kind>_timesteps_<n>},
 *       {@code <kind>_sigmas_<n>}, {@code <kind>_init_noise_sigma_<n>}, the scheduler built from
 *       {@code <model>/<kind>/scheduler_config.json} after {@code setTimesteps(n)};</li>
 *   <li>{@code step_chain}: the scheduler of {@code <model>/scheduler_config.json} (its {@code _class_name} and
 *       options; {@code params.scheduler} only names the folder), the chain
 *       {@code sample_0 = initial_noise * init_noise_sigma}, {@code sample_{i+1} = step(model_outputs[i], t_i,
 *       sample_i)}, with the recorded {@code noise_###} draws replayed in {@code params.noise_order};</li>
 *   <li>{@code add_noise}: {@code add_noise(original_samples, noise, timesteps)} (after {@code setTimesteps} when
 *       {@code params.num_inference_steps} is given).</li>
 * </ul>
 */
public final class SchedulerParity implements CaseChecker {

    private static final Pattern PER_STEPS = Pattern.compile("(.+)_(timesteps|sigmas|init_noise_sigma)_(\\d+)");
    private static final Pattern ALPHAS = Pattern.compile("(.+)_alphas_cumprod");

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        String what = c.params().path("what").asText();
        return switch (what) {
            case "timesteps" -> timesteps(c, manager);
            case "step_chain" -> chain(c, manager);
            case "add_noise" -> addNoise(c, manager);
            default -> throw new AssertionError(c.name() + ": unknown scheduler case family params.what='" + what + "'");
        };
    }

    private static Map<String, NDArray> timesteps(ParityCase c, NDManager m) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : c.outputs()) {
            Matcher per = PER_STEPS.matcher(name);
            Matcher alphas = ALPHAS.matcher(name);
            if (per.matches()) {
                try (Scheduler s = scheduler(c.modelDir().resolve(per.group(1)))) {
                    s.setTimesteps(Integer.parseInt(per.group(3)));
                    double[] v = switch (per.group(2)) {
                        case "timesteps" -> s.timesteps();
                        case "sigmas" -> sigmas(c, s);
                        default -> new double[] {s.initNoiseSigma()};
                    };
                    out.put(name, array(c, name, v, m));
                }
            } else if (alphas.matches()) {
                try (Scheduler s = scheduler(c.modelDir().resolve(alphas.group(1)))) {
                    out.put(name, array(c, name, s.alphasCumprod(), m));
                }
            } else {
                throw new AssertionError(c.name() + ": don't know how to compute output '" + name + "'");
            }
        }
        return out;
    }

    private static Map<String, NDArray> chain(ParityCase c, NDManager m) {
        JsonNode p = c.params();
        int n = p.path("num_inference_steps").asInt();
        Map<String, NDArray> out = new LinkedHashMap<>();
        List<NDArray> draws = new ArrayList<>();
        for (JsonNode d : p.path("noise_order")) {
            draws.add(c.tensor(d.path("name").asText(), m));
        }
        RecordedNoise noise = new RecordedNoise(draws);
        try (Scheduler s = scheduler(c.modelDir())) {
            if (p.has("eta")) {
                s.setEta(p.path("eta").asDouble());
            }
            s.setTimesteps(n);
            double[] t = s.timesteps();
            NDArray modelOutputs = c.tensor("model_outputs", m); // [S, B, C, h, w]
            if (modelOutputs.getShape().get(0) != t.length) {
                throw new AssertionError(c.name() + ": " + t.length + " timesteps but " + modelOutputs.getShape().get(0)
                        + " model outputs");
            }
            NDArray sample = c.tensor("initial_noise", m).mul((float) s.initNoiseSigma());
            out.put("timesteps", array(c, "timesteps", t, m));
            out.put("initial_sample", sample);
            NDList scaled = new NDList();
            NDList prev = new NDList();
            NDList predOriginal = new NDList();
            for (int i = 0; i < t.length; i++) {
                scaled.add(s.scaleModelInput(sample, t[i]));
                StepOutput o = s.step(modelOutputs.get(i), t[i], sample, noise);
                prev.add(o.prevSample());
                if (o.predOriginalSample() != null) {
                    predOriginal.add(o.predOriginalSample());
                }
                sample = o.prevSample();
            }
            if (noise.consumed() != noise.recorded()) {
                throw new AssertionError(c.name() + ": the chain drew " + noise.consumed() + " noises, "
                        + noise.recorded() + " were recorded");
            }
            out.put("scaled_model_inputs", ai.djl.ndarray.NDArrays.stack(scaled, 0)); // [S, B, C, h, w]
            out.put("prev_samples", ai.djl.ndarray.NDArrays.stack(prev, 0));
            if (!predOriginal.isEmpty()) {
                out.put("pred_original_samples", ai.djl.ndarray.NDArrays.stack(predOriginal, 0));
            }
        }
        return out;
    }

    private static Map<String, NDArray> addNoise(ParityCase c, NDManager m) {
        JsonNode p = c.params();
        try (Scheduler s = scheduler(c.modelDir())) {
            if (p.has("num_inference_steps")) {
                s.setTimesteps(p.path("num_inference_steps").asInt());
            }
            double[] timesteps = c.tensor("timesteps", m).toType(DataType.FLOAT64, false).toDoubleArray();
            NDArray noisy = s.addNoise(c.tensor("original_samples", m), c.tensor("noise", m), timesteps);
            return Map.of("noisy_samples", noisy);
        }
    }

    /** The noise levels of a sigma-based scheduler's schedule. */
    private static double[] sigmas(ParityCase c, Scheduler s) {
        if (s instanceof EulerAncestralDiscreteScheduler e) {
            return e.sigmas();
        }
        if (s instanceof DPMSolverMultistepScheduler d) {
            return d.sigmas();
        }
        throw new AssertionError(c.name() + ": " + s.config().className() + " has no sigmas");
    }

    /**
     * The scheduler of a {@code scheduler_config.json} folder, built from the class and options the file names
     * (the reference README: never from the kind's spelling).
     */
    private static Scheduler scheduler(Path dir) {
        return Schedulers.fromConfig(ConfigJson.read(dir.resolve("scheduler_config.json")));
    }

    /** Host values as the manifest's dtype and shape (int64 timesteps of DDIM/PNDM, float32 otherwise). */
    private static NDArray array(ParityCase c, String name, double[] v, NDManager m) {
        String dtype = c.node().path("dtypes").path(name).asText("float32");
        List<Long> dims = new ArrayList<>();
        c.node().path("shapes").path(name).forEach(d -> dims.add(d.asLong()));
        Shape shape = new Shape(dims.stream().mapToLong(Long::longValue).toArray());
        if (dtype.equals("int64")) {
            long[] l = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                if (v[i] != Math.rint(v[i])) {
                    throw new AssertionError(name + "[" + i + "] = " + v[i] + " is not an integer");
                }
                l[i] = (long) v[i];
            }
            return m.create(l, shape(shape, l.length));
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return m.create(f, shape(shape, f.length));
    }

    /** The manifest shape, or 1-D when it does not hold {@code size} elements (the comparison then names it). */
    private static Shape shape(Shape manifest, int size) {
        return manifest.size() == size ? manifest : new Shape(size);
    }
}
