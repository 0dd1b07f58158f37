package ai.t2vzero.scheduler;

import ai.t2vzero.weights.WeightLoadException;

/** {@code prediction_type}: what the denoising model outputs. {@code sample} prediction is not implemented. */
public enum PredictionType {
    /** The model predicts the noise epsilon (SD 1.x). */
    EPSILON("epsilon"),
    /** The model predicts v = sqrt(a) * eps - sqrt(1 - a) * x0 (section 2.4 of Imagen Video; SD 2.x 768). */
    V_PREDICTION("v_prediction");

    private final String key;

    PredictionType(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static PredictionType parse(String value, String source) {
        for (PredictionType p : values()) {
            if (p.key.equals(value)) {
                return p;
            }
        }
        throw new WeightLoadException(source + ": 'prediction_type' = \"" + value + "\" is not supported (only "
                + "epsilon, v_prediction)");
    }
}
