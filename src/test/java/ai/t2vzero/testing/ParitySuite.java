package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.DynamicTest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs the cases of one reference set through the {@link CaseChecker}s of their kinds: one dynamic test per case,
 * every output compared with the manifest's tolerance (per-output atol, case rtol; integers exactly). A case whose
 * kind has no checker, or whose checker throws, is a failure: a reference set never self-skips. All sets of one JVM share one {@code target/parity-report.json} and {@code target/parity-out/}.
 */
public final class ParitySuite {

    private ParitySuite() {}

    /** The dynamic tests of {@code ref}'s cases ({@code -Dt2vzero.parity.only=kind,...} narrows them by kind). */
    public static Stream<DynamicTest> cases(Reference ref) {
        return cases(ref, "", null);
    }

    /**
     * The dynamic tests of {@code ref}'s cases of kinds {@code ofKinds} (null: all), run under a setting of the caller's
     * (e.g. another convolution algorithm): each reported as {@code <case><variant>} (e.g. {@code unet_x@winograd}),
     * with the same tolerances.
     */
    public static Stream<DynamicTest> cases(Reference ref, String variant, java.util.Set<String> ofKinds) {
        return cases(ref, variant, ofKinds, ToleranceRule.MANIFEST);
    }

    /** As {@link #cases(Reference, String, java.util.Set)}, compared by {@code tolerances} instead of the manifest's. */
    public static Stream<DynamicTest> cases(Reference ref, String variant, java.util.Set<String> ofKinds,
                                            ToleranceRule tolerances) {
        TorchRuntime.engine();
        ParityReport report = ParityReport.shared(Path.of("target"), ref.root().toString());
        List<ParityCase> cases = ref.cases();
        // -Dt2vzero.parity.only=unet,vae_decode narrows a development run to some kinds (CI runs them all)
        String only = System.getProperty("t2vzero.parity.only", "").trim();
        if (!only.isEmpty()) {
            List<String> kinds = List.of(only.split(","));
            cases = cases.stream().filter(c -> kinds.contains(c.kind())).toList();
            if (cases.isEmpty()) {
                return Stream.empty();
            }
        }
        if (cases.isEmpty()) {
            throw new AssertionError("reference manifest " + ref.root() + " has no cases");
        }
        if (ofKinds != null) {
            cases = cases.stream().filter(c -> ofKinds.contains(c.kind())).toList();
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.kind() + ": " + c.name() + variant,
                () -> run(c, c.name() + variant, report, tolerances)));
    }

    static void run(ParityCase c, ParityReport report) throws Exception {
        run(c, c.name(), report, ToleranceRule.MANIFEST);
    }

    static void run(ParityCase c, String name, ParityReport report, ToleranceRule tolerances) throws Exception {
        Optional<CaseChecker> checker = CaseCheckers.forKind(c.kind());
        if (checker.isEmpty()) {
            report.put(new ParityReport.Entry(name, c.kind(), "fail", Double.NaN, Double.NaN,
                    "no checker for kind '" + c.kind() + "'"));
            throw new AssertionError("case " + c.name() + " has kind '" + c.kind() + "', which no checker handles"
                    + " (register one in CaseCheckers)");
        }
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Map<String, NDArray> actual;
            try {
                actual = checker.get().compute(c, manager);
            } catch (Throwable t) {
                report.put(new ParityReport.Entry(name, c.kind(), "fail", Double.NaN, Double.NaN,
                        "checker threw " + t));
                throw t;
            }
            double maxAbs = 0;
            double maxRel = 0;
            List<String> failures = new ArrayList<>();
            Map<String, NDArray> toWrite = new java.util.LinkedHashMap<>();
            for (String out : c.outputs()) {
                NDArray a = actual.get(out);
                if (a == null) {
                    failures.add(out + ": not computed");
                    continue;
                }
                toWrite.put(out, a);
                NDArray e = c.tensor(out, manager);
                ToleranceRule.Tolerance tol = tolerances.of(c, out, e);
                TensorAssert.Result r = TensorAssert.compare(name + "/" + out, a, e, tol.rtol(), tol.atol());
                maxAbs = Math.max(maxAbs, r.maxAbsErr());
                maxRel = Math.max(maxRel, r.maxRelErr());
                if (r.ok()) {
                    System.out.printf("OK %s/%s maxdiff=%.3g%n", name, out, r.maxAbsErr());
                } else {
                    failures.add(out + ": " + r.detail() + " (maxAbsErr " + r.maxAbsErr() + ", atol " + tol.atol()
                            + ", rtol " + tol.rtol() + ")");
                }
            }
            report.writeOutputs(name, toWrite);
            if (!failures.isEmpty()) {
                failures.add(debugTrail(c, actual, manager));
            }
            report.put(new ParityReport.Entry(name, c.kind(), failures.isEmpty() ? "pass" : "fail", maxAbs, maxRel,
                    String.join("; ", failures)));
            if (!failures.isEmpty()) {
                throw new AssertionError(name + " failed:\n  " + String.join("\n  ", failures));
            }
        }
    }

    /** Where the divergence starts: the debug/* intermediates the checker produced, in order. */
    private static String debugTrail(ParityCase c, Map<String, NDArray> actual, NDManager manager) {
        StringBuilder sb = new StringBuilder("debug trail:");
        for (Map.Entry<String, NDArray> e : actual.entrySet()) {
            if (!e.getKey().startsWith("debug/") || !c.hasTensor(e.getKey())) {
                continue;
            }
            NDArray exp = c.tensor(e.getKey(), manager);
            TensorAssert.Result r = TensorAssert.compare(e.getKey(), e.getValue(), exp, 1e-4, 1e-4);
            sb.append("\n    ").append(r.ok() ? "ok   " : "DIFF ").append(e.getKey())
                    .append(" maxAbsErr=").append(r.maxAbsErr());
        }
        return sb.toString();
    }
}
