package ai.t2vzero.ops;

import static io.restassured.RestAssured.given;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads samples out of {@code /q/metrics} (Prometheus text format). */
public final class PrometheusText {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)$");

    private final String text;

    private PrometheusText(String text) {
        this.text = text;
    }

    public static PrometheusText scrape() {
        return new PrometheusText(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    public String text() {
        return text;
    }

    /**
     * The value of the sample {@code name} whose labels include every {@code labels} pair ("k", "v", ...); empty if
     * there is none.
     */
    public OptionalDouble value(String name, String... labels) {
        Matcher m = SAMPLE.matcher(text);
        samples:
        while (m.find()) {
            if (!m.group(1).equals(name)) {
                continue;
            }
            String labelText = m.group(2) != null ? m.group(2) : "";
            for (int i = 0; i < labels.length; i += 2) {
                if (!labelText.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                    continue samples;
                }
            }
            return OptionalDouble.of(Double.parseDouble(m.group(3)));
        }
        return OptionalDouble.empty();
    }

    /** {@link #value} or 0 when the sample does not exist (yet). */
    public double valueOrZero(String name, String... labels) {
        return value(name, labels).orElse(0);
    }
}
