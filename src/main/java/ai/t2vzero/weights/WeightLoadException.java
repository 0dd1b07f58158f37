package ai.t2vzero.weights;

/**
 * A checkpoint that cannot be used as it is: a missing, unused or mis-shaped tensor, a corrupt or truncated
 * safetensors file, an unreadable or unsupported config. The message names the file and the key(s).
 */
public class WeightLoadException extends RuntimeException {

    public WeightLoadException(String message) {
        super(message);
    }

    public WeightLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
