package ai.t2vzero.model.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A process-wide choice among an enum's values (attention kernel, convolution and linear algorithms): read once from a
 * JVM system property, replaceable before a load (the benchmark compares choices in one run; tests force one).
 */
final class ProcessChoice<E extends Enum<E>> {

    private final String property;
    private final Class<E> type;
    private volatile E current;

    /** @param property the JVM system property (e.g. {@code t2vzero.conv}); its value when unset: {@code fallback} */
    ProcessChoice(String property, Class<E> type, String fallback) {
        this.property = property;
        this.type = type;
        this.current = parse(System.getProperty(property, fallback));
    }

    E current() {
        return current;
    }

    /** Sets the choice for what is made from now on; returns the previous one. */
    E set(E choice) {
        E previous = current;
        current = choice;
        return previous;
    }

    /** The value named {@code name} in any case, or an error naming the property and every value. */
    E parse(String name) {
        try {
            return Enum.valueOf(type, name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String values = Arrays.stream(type.getEnumConstants()).map(v -> v.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "));
            throw new IllegalArgumentException(property + " must be one of " + values + " (got '" + name + "')");
        }
    }
}
