package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * How a float32 linear layer's product is computed on CPU: libtorch's {@code linear} ({@code MATMUL}: MKL's sgemm
 * in DJL's libtorch build) or as the 1x1 convolution it equals over a channels-last view of the tokens
 * ({@code CONV1X1}: oneDNN's own kernels; views only, no layout copies). MKL runs its AVX2 code on AMD CPUs, so on an
 * AMD CPU with AVX-512 a large product reached half the rate of oneDNN's convolution (139 vs 284 GFLOP/s, the
 * performance issue's EPYC), while on an AVX2 CPU both run at the same rate (README). {@code AUTO} (default) takes the
 * 1x1 convolution only where {@link LinearSpeed} measured it faster on this machine (once per process, at the first
 * float32 CPU layer); CUDA and bfloat16 layers keep their own paths. Process-wide, by the JVM system property
 * {@code t2vzero.linear} = auto | matmul | conv1x1, or by {@link #set} before a load (benchmark, tests); decided
 * when a layer is made.
 */
public enum LinearAlgorithm {
    AUTO, MATMUL, CONV1X1;

    private static final ProcessChoice<LinearAlgorithm> CHOICE =
            new ProcessChoice<>("t2vzero.linear", LinearAlgorithm.class, "auto");

    public static LinearAlgorithm current() {
        return CHOICE.current();
    }

    /** Sets the process-wide choice for the layers made from now on; returns the previous one. */
    public static LinearAlgorithm set(LinearAlgorithm algorithm) {
        return CHOICE.set(algorithm);
    }

    public static LinearAlgorithm parse(String name) {
        return CHOICE.parse(name);
    }

    /** Whether this choice computes a linear layer over {@code weight} [out, in] as a 1x1 convolution. */
    public boolean takesConv1x1(NDArray weight) {
        if (this == MATMUL || weight.getDevice().isGpu() || weight.getDataType() != DataType.FLOAT32) {
            return false;
        }
        return this == CONV1X1 || LinearSpeed.on(weight.getDevice()).pays();
    }
}
