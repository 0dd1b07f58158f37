package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * llm.c-style tensor comparison: {@code |actual - expected| <= atol + rtol * |expected|} elementwise (numpy
 * allclose). Reports max abs/rel error and the first mismatching index; prints {@code OK label maxdiff=...} on
 * success. Integer tensors must match exactly.
 */
public final class TensorAssert {

    /** Errors of one comparison. */
    public record Result(String label, boolean ok, double maxAbsErr, double maxRelErr, String detail) {}

    private TensorAssert() {}

    public static Result compare(String label, NDArray actual, NDArray expected, double rtol, double atol) {
        if (!Arrays.equals(actual.getShape().getShape(), expected.getShape().getShape())) {
            return new Result(label, false, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                    "shape " + actual.getShape() + " != expected " + expected.getShape());
        }
        boolean integer = expected.getDataType().isInteger();
        double[] a = toDoubles(actual);
        double[] e = toDoubles(expected);
        double maxAbs = 0;
        double maxRel = 0;
        int firstBad = -1;
        int bad = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            if (Double.isNaN(a[i]) && !Double.isNaN(e[i])) {
                d = Double.POSITIVE_INFINITY;
            }
            maxAbs = Math.max(maxAbs, d);
            if (e[i] != 0) {
                maxRel = Math.max(maxRel, d / Math.abs(e[i]));
            } else if (d > 0) {
                maxRel = Double.POSITIVE_INFINITY;
            }
            boolean ok = integer ? d == 0 : d <= atol + rtol * Math.abs(e[i]);
            if (!ok) {
                bad++;
                if (firstBad < 0) {
                    firstBad = i;
                }
            }
        }
        String detail = firstBad < 0 ? "" : bad + " of " + e.length + " elements outside tolerance; first at "
                + Arrays.toString(unravel(firstBad, expected.getShape().getShape())) + ": actual " + a[firstBad]
                + ", expected " + e[firstBad];
        return new Result(label, firstBad < 0, maxAbs, maxRel, detail);
    }

    public static void assertClose(String label, NDArray actual, NDArray expected, double rtol, double atol) {
        Result r = compare(label, actual, expected, rtol, atol);
        if (!r.ok()) {
            throw new AssertionError(label + ": " + r.detail() + " (maxAbsErr=" + r.maxAbsErr() + ", atol=" + atol
                    + ", rtol=" + rtol + ")");
        }
        System.out.printf("OK %s maxdiff=%.3g%n", label, r.maxAbsErr());
    }

    private static double[] toDoubles(NDArray x) {
        NDArray c = x.getDataType() == DataType.FLOAT64 ? x : x.toType(DataType.FLOAT64, false);
        double[] out = c.toDoubleArray();
        if (c != x) {
            c.close();
        }
        return out;
    }

    private static long[] unravel(int flat, long[] shape) {
        long[] idx = new long[shape.length];
        long rem = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : rem % shape[d];
            rem = shape[d] == 0 ? 0 : rem / shape[d];
        }
        return idx;
    }
}
