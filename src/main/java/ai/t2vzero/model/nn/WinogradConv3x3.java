package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;

import java.util.Optional;

/**
 * A 3x3 convolution, stride 1, zero padding 1, by Winograd's minimal filtering F(2x2, 3x3): every 2x2 output tile is
 * A^T [U . (B^T d B)] A over the 4x4 input tile d around it, with U = G g G^T the filter transformed once at load. The
 * channel reduction becomes 16 matrix products [K, C] x [C, tiles]: 16 instead of 36 multiply-adds per output pixel and
 * input channel, at the direct convolution's level of float rounding (the transforms only add, subtract and halve;
 * {@code WinogradConv3x3Test}). The transforms and products run in libtorch through a TorchScript module
 * ({@code winograd_conv3x3.pt}, made and checked against torch.conv2d in float64 by
 * {@code tools/nn/make_winograd_conv_module.py}). Which layers use it: {@link ConvAlgorithm}.
 */
final class WinogradConv3x3 {

    private static final TorchScriptOp OP = new TorchScriptOp("winograd_conv3x3.pt");

    // G [4, 3]: the filter transform of F(2, 3)
    private static final float[][] G = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};

    // G (x) G [16, 9]: row 4i + j, column 3a + b holds G[i][a] G[j][b] (products of 0, 1/2, 1: exact)
    private static final float[] G_KRON_G = new float[16 * 9];

    static {
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                for (int a = 0; a < 3; a++) {
                    for (int b = 0; b < 3; b++) {
                        G_KRON_G[(4 * i + j) * 9 + 3 * a + b] = G[i][a] * G[j][b];
                    }
                }
            }
        }
    }

    private WinogradConv3x3() {}

    static Optional<PtSymbolBlock> module(Device device) {
        return OP.module(device);
    }

    /**
     * [K, C, 3, 3] -> [16, K, C] on {@code weight}'s manager: (G g G^T) per filter, tap (i, j) at 4i + j, as one
     * product (G (x) G) [16, 9] x g^T [9, K*C]. A product's result is contiguous, which the module's batched product
     * needs: the same filters as a transposed view of [K, C, 4, 4] made every call copy them (105 MB for 1280
     * channels) and the layer 2-3x slower.
     */
    static NDArray filters(NDArray weight) {
        Shape s = weight.getShape();
        long k = s.get(0);
        long c = s.get(1);
        NDManager m = weight.getManager();
        try (NDManager tmp = m.newSubManager()) {
            NDArray kron = tmp.create(G_KRON_G, new Shape(16, 9)).toType(weight.getDataType(), false);
            // views made on weight's manager: closed here, or they would keep the 3x3 weight's storage alive
            NDArray flat = weight.reshape(k * c, 9);
            NDArray taps = flat.transpose();                                     // [9, K*C]
            NDArray u = kron.matMul(taps).reshape(16, k, c);                     // contiguous [16, K, C]
            taps.close();
            flat.close();
            u.attach(m);
            return u;
        }
    }

    /** [N, C, H, W] -> [N, K, H, W] on x's manager; {@code filters} from {@link #filters}, {@code bias} [K]. */
    static NDArray forward(NDArray x, NDArray filters, NDArray bias) {
        PtSymbolBlock module = module(x.getDevice()).orElseThrow(
                () -> new IllegalStateException("winograd_conv3x3.pt could not be loaded on " + x.getDevice()));
        return TorchScriptOp.callForUpdate(module, x, filters, bias);
    }
}
