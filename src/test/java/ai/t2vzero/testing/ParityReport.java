package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.weights.SafeTensorsWriter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code target/parity-report.json}: one entry per manifest case {name, kind, status: pass|fail|pending,
 * maxAbsErr, maxRelErr} (plus a message for failures and pending cases), and
 * {@code target/parity-out/<case>.safetensors} with the outputs we computed, under the manifest's names, so the
 * comparison can be redone independently.
 */
public final class ParityReport {

    public record Entry(String name, String kind, String status, double maxAbsErr, double maxRelErr, String message) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path reportFile;
    private final Path outDir;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final String referenceRoot;
    private final java.util.List<String> roots = new java.util.ArrayList<>();

    private static final Map<Path, ParityReport> SHARED = new java.util.HashMap<>();

    public ParityReport(Path targetDir, String referenceRoot) {
        this.reportFile = targetDir.resolve("parity-report.json");
        this.outDir = targetDir.resolve("parity-out");
        this.referenceRoot = referenceRoot;
    }

    /**
     * The one report of {@code targetDir} in this JVM, so that several reference sets (the shared one and
     * reference-extra) land in the same {@code parity-report.json}; {@code referenceRoot} is added to its list.
     */
    public static synchronized ParityReport shared(Path targetDir, String referenceRoot) {
        ParityReport r = SHARED.computeIfAbsent(targetDir.toAbsolutePath().normalize(),
                k -> new ParityReport(targetDir, referenceRoot));
        r.addRoot(referenceRoot);
        return r;
    }

    private synchronized void addRoot(String root) {
        if (!roots.contains(root)) {
            roots.add(root);
        }
    }

    public synchronized void put(Entry e) {
        entries.put(e.name(), e);
        write();
    }

    public synchronized void writeOutputs(String caseName, Map<String, NDArray> outputs) {
        Map<String, NDArray> converted = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NDArray> o : outputs.entrySet()) {
                NDArray a = o.getValue();
                DataType want = a.getDataType().isInteger() ? DataType.INT64 : DataType.FLOAT32;
                converted.put(o.getKey(), a.getDataType() == want ? a : a.toType(want, false));
            }
            Files.createDirectories(outDir);
            SafeTensorsWriter.write(outDir.resolve(caseName + ".safetensors"), converted, Map.of("case", caseName));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write() {
        ObjectNode root = JSON.createObjectNode();
        root.put("reference", referenceRoot);
        ArrayNode all = root.putArray("references");
        roots.forEach(all::add);
        ArrayNode cases = root.putArray("cases");
        int pass = 0;
        int fail = 0;
        int pending = 0;
        for (Entry e : entries.values()) {
            ObjectNode n = cases.addObject();
            n.put("name", e.name());
            n.put("kind", e.kind());
            n.put("status", e.status());
            putNumber(n, "maxAbsErr", e.maxAbsErr());
            putNumber(n, "maxRelErr", e.maxRelErr());
            if (e.message() != null && !e.message().isEmpty()) {
                n.put("message", e.message());
            }
            switch (e.status()) {
                case "pass" -> pass++;
                case "fail" -> fail++;
                default -> pending++;
            }
        }
        ObjectNode summary = root.putObject("summary");
        summary.put("pass", pass);
        summary.put("fail", fail);
        summary.put("pending", pending);
        try {
            Files.createDirectories(reportFile.getParent());
            JSON.writeValue(reportFile.toFile(), root);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void putNumber(ObjectNode n, String key, double v) {
        if (Double.isNaN(v)) {
            n.putNull(key);
        } else if (Double.isInfinite(v)) {
            n.put(key, v > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE);
        } else {
            n.put(key, v);
        }
    }
}
