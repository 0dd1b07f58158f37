package ai.t2vzero.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.model.nn.Linear;
import ai.t2vzero.runtime.CpuInfo;
import ai.t2vzero.runtime.KernelRate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * What machine a benchmark ran on, measured rather than assumed: the CPU model and the ISA extensions that decide
 * libtorch's kernels (from {@code /proc/cpuinfo}), and the rate a few fixed micro-kernels reach through the same
 * libtorch: a 3x3 convolution of the UNet's first level (320 -> 320 channels, batch 2, 32x32: oneDNN on CPU) and
 * square fp32 matrix products (MKL on CPU). Component figures are then shown as a share of the convolution rate,
 * which is what the same machine demonstrably does with the UNet's dominant op. With bfloat16 products
 * ({@code --dtype bf16}), or on a CPU with AVX512_BF16 or AMX, the same convolution and the 2048^2 product are also
 * timed through the bfloat16 layers (whether bf16 is worth setting there); with bf16 products components are shown as
 * a share of that convolution rate.
 */
record MachineProbe(String cpu, int cores, List<String> isa, double convGflops, double gemm1024Gflops,
                    double gemm2048Gflops, double bf16ConvGflops, double bf16GemmGflops, boolean bf16Products) {

    /** ISA flags worth naming, in /proc/cpuinfo spelling. */
    private static final List<String> FLAGS = List.of("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni",
            "amx_tile", "amx_bf16", "amx_fp16");

    /** @param products the models' product type: BFLOAT16 (or a CPU with bfloat16 hardware) adds the bf16 kernels */
    static MachineProbe measure(Device device, DataType dtype, DataType products) {
        CpuInfo info = CpuInfo.local();
        String cpu = info.name();
        List<String> isa = new ArrayList<>();
        for (String f : FLAGS) {
            if (info.has(f)) {
                isa.add(f);
            }
        }
        try (NDManager m = NDManager.newBaseManager(device)) {
            // 3x3 conv, 320 -> 320, batch 2, 32x32: 2 x 2*320*32*32 x 320*9 FLOPs
            NDArray x = m.randomNormal(new Shape(2, 320, 32, 32)).toType(dtype, false);
            NDArray w = m.randomNormal(0, 0.02f, new Shape(320, 320, 3, 3), DataType.FLOAT32).toType(dtype, false);
            NDArray b = m.zeros(new Shape(320), dtype);
            double conv = rate(m, 2.0 * 2 * 320 * 32 * 32 * 320 * 9, () -> x.getNDArrayInternal()
                    .convolution(x, w, b, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow());
            double bf16Conv = Double.NaN;
            double bf16Gemm = Double.NaN;
            boolean bf16Products = products == DataType.BFLOAT16;
            boolean bf16Hardware = !device.isGpu() && info.hasBfloat16();
            if (bf16Products || bf16Hardware) {
                // through the layers the models use: float32 in and out, bfloat16 weights and products
                Conv2d c = Conv2d.of(w.duplicate(), b, 1, 1).withProducts(DataType.BFLOAT16);
                bf16Conv = rate(m, 2.0 * 2 * 320 * 32 * 32 * 320 * 9, () -> c.forward(x));
                NDArray a = m.randomNormal(new Shape(2048, 2048));
                Linear l = Linear.of(m.randomNormal(new Shape(2048, 2048)), null).withProducts(DataType.BFLOAT16);
                bf16Gemm = rate(m, 2.0 * 2048 * 2048 * 2048, () -> l.forward(a));
            }
            return new MachineProbe(cpu, Runtime.getRuntime().availableProcessors(), isa, conv,
                    gemm(m, 1024, dtype), gemm(m, 2048, dtype), bf16Conv, bf16Gemm, bf16Products);
        }
    }

    private static double gemm(NDManager m, int n, DataType dtype) {
        NDArray a = m.randomNormal(new Shape(n, n)).toType(dtype, false);
        NDArray b = m.randomNormal(new Shape(n, n)).toType(dtype, false);
        return rate(m, 2.0 * n * n * n, () -> a.matMul(b));
    }

    /** GFLOP/s of the fastest of >= 7 runs and >= 1 s of them (a peak is what the machine demonstrably does). */
    private static double rate(NDManager parent, double flops, Supplier<NDArray> op) {
        return KernelRate.gflops(parent, flops, 7, 1.0, op);
    }

    /**
     * The rate components are compared with: the convolution's (the UNet's and VAE's dominant op), in bfloat16 when
     * that was measured.
     */
    double peakGflops() {
        return bf16Products ? bf16ConvGflops : convGflops;
    }

    void print() {
        System.out.println("cpu      " + cpu + ", " + cores + " cores available, ISA: "
                + (isa.isEmpty() ? "(none of " + FLAGS + ")" : String.join(" ", isa)));
        System.out.printf(Locale.ROOT, "peak     conv3x3 320ch b2 32x32 %.0f GFLOP/s | matmul 1024^2 %.0f GFLOP/s, "
                + "2048^2 %.0f GFLOP/s (fixed micro-kernels, fastest of >= 7 runs; %% peak below = of the conv rate)%n",
                convGflops, gemm1024Gflops, gemm2048Gflops);
        if (!Double.isNaN(bf16ConvGflops)) {
            System.out.printf(Locale.ROOT, "peak     bf16 products: conv3x3 %.0f GFLOP/s | matmul 2048^2 %.0f GFLOP/s "
                    + "(float32 in and out%s)%n", bf16ConvGflops, bf16GemmGflops,
                    bf16Products ? "; % peak below = of this conv rate" : "; --dtype bf16 uses them");
        }
    }
}
