package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;

/**
 * bfloat16 products ({@code t2v.models.dtype=bf16}): the weights of the linear and convolution layers are kept in
 * bfloat16 and their products run in bfloat16 (oneDNN's AVX512_BF16 / AMX kernels where the CPU has them, tensor
 * cores on CUDA), while activations, norms, softmax, attention and schedulers stay float32, as torch.autocast does
 * for these ops; the bias is added in float32. DJL 0.36 maps libtorch's bfloat16 to DataType "unknown" and aborts
 * the JVM on every operator that passes a dtype (toType, softmax, zeros, ...), so a bfloat16 array never reaches
 * DJL's own operators: it is made, kept and used only through three TorchScript modules
 * ({@code tools/nn/make_bfloat16_modules.py}). A layer's float32 weight is cast at load and released.
 */
final class Bfloat16Products {

    private static final TorchScriptOp CAST = new TorchScriptOp("bfloat16_cast.pt");
    private static final TorchScriptOp LINEAR = new TorchScriptOp("linear_bfloat16.pt");
    private static final TorchScriptOp CONV2D = new TorchScriptOp("conv2d_bfloat16.pt");

    private Bfloat16Products() {}

    /** Whether layers loaded for {@code products} keep bfloat16 weights. */
    static boolean requested(DataType products) {
        return products == DataType.BFLOAT16;
    }

    /** float32 {@code weight} -> the same values rounded to bfloat16, on its manager; {@code weight} is closed. */
    static NDArray weight(NDArray weight) {
        if (weight.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("bfloat16 weights are made from float32, got " + weight.getDataType());
        }
        NDArray cast = TorchScriptOp.call(module(CAST, weight), weight.getManager(), weight);
        weight.close();
        return cast;
    }

    /** A bfloat16 weight read back as float32 on {@code out} (tests, diagnostics). */
    static NDArray toFloat32(NDArray bf16, NDManager out) {
        return TorchScriptOp.call(module(CAST, bf16), out, bf16);
    }

    /** {@code bias} as the modules take it: itself, or for none an empty float32 [0] on {@code manager}. */
    static NDArray bias(NDArray bias, NDManager manager) {
        return bias != null ? bias : manager.zeros(new Shape(0), DataType.FLOAT32);
    }

    /** x float32 [..., in], weight bfloat16 [out, in], bias float32 [out] or [0] -> float32 [..., out]. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return TorchScriptOp.callForUpdate(module(LINEAR, x), x, weight, bias);
    }

    /** x float32 [B, in, H, W], weight bfloat16, bias float32 [out] or [0], geometry int64 [stride, padding]. */
    static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, NDArray geometry) {
        return TorchScriptOp.callForUpdate(module(CONV2D, x), x, weight, bias, geometry);
    }

    private static PtSymbolBlock module(TorchScriptOp op, NDArray on) {
        // no fallback: bf16 was asked for by name, and float32 arrays in its place would break the dtype contract
        return op.module(on.getDevice()).orElseThrow(() -> new IllegalStateException(
                "dtype bf16: a bfloat16 module could not be loaded on " + on.getDevice() + " (see the log)"));
    }
}
