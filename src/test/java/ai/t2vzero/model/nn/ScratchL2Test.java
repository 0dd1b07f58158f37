package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.KernelRate;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;

class ScratchL2Test {
    @Test
    void time() {
        TorchRuntime.engine();
        Shape u = new Shape(1, 1), z = new Shape(0, 0);
        try (NDManager m = NDManager.newBaseManager()) {
            for (long[] sh : new long[][] {{2048, 320, 320}, {2048, 320, 2560}, {2048, 1280, 320}}) {
                long n = sh[0], in = sh[1], out = sh[2];
                NDArray x = m.randomNormal(new Shape(2, n / 2, in));
                NDArray w = m.randomNormal(0, 0.05f, new Shape(out, in), DataType.FLOAT32);
                NDArray b = m.zeros(new Shape(out));
                NDArray w4 = w.reshape(out, in, 1, 1);
                Linear mm = Linear.of(w, b, false);
                Linear cv = Linear.of(w, b, true);
                double[] ms = KernelRate.fastestMillis(m, 5, List.of(
                        () -> mm.forward(x),
                        () -> cv.forward(x),
                        () -> { NDArray v = x.transpose(0, 2, 1).expandDims(3);
                                return v.getNDArrayInternal().convolution(v, w4, b, u, z, u, 1).singletonOrThrow(); },
                        () -> { NDArray v = x.reshape(n, in).transpose(1, 0).expandDims(0).expandDims(3);
                                return v.getNDArrayInternal().convolution(v, w4, b, u, z, u, 1).singletonOrThrow(); },
                        () -> { NDArray v = x.reshape(n, in).transpose(1, 0).expandDims(0).expandDims(3);
                                NDArray y = v.getNDArrayInternal().convolution(v, w4, b, u, z, u, 1).singletonOrThrow();
                                return y.reshape(out, n).transpose(1, 0).reshape(2, n / 2, out); },
                        () -> { NDArray v = x.reshape(1, 32, n / 32, in).transpose(0, 3, 1, 2);
                                NDArray y = v.getNDArrayInternal().convolution(v, w4, b, u, z, u, 1).singletonOrThrow();
                                return y.transpose(0, 2, 3, 1).reshape(2, n / 2, out).add(0f); },
                        () -> mm.forward(x).add(0f)));
                System.out.printf("SCRATCH %d->%d mm %.1f cvLinear %.1f conv[2,in,T,1] %.1f conv[1,in,N,1] %.1f +reshape %.1f NHWC %.1f (mm+add %.1f)%n",
                        in, out, ms[0], ms[1], ms[2], ms[3], ms[4], ms[5], ms[6]);
            }
        }
    }
}
