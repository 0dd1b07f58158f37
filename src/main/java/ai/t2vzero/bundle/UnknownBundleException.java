package ai.t2vzero.bundle;

/** A request named a bundle that is not on the models volume or cannot be loaded; {@code field} names the field. */
public class UnknownBundleException extends IllegalArgumentException {

    private final String field;

    public UnknownBundleException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
