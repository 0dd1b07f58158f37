package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
 *
 * <p>{@link Tile#F4} is F(4x4, 3x3) over 6x6 input tiles: 36 products for 16 outputs (2.25 instead of 9 multiply-adds
 * per output pixel and input channel) and fewer transform passes per output, at about 5x the direct convolution's
 * float32 rounding ({@code winograd4_conv3x3.pt}, {@code tools/nn/make_winograd4_conv_module.py}): only for layers
 * whose caller allows it (the VAE decoder).
 */
final class WinogradConv3x3 {

    /** The output tile: F(2x2, 3x3) or F(4x4, 3x3). */
    enum Tile {
        F2(2, new double[][] {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}, "winograd_conv3x3.pt"),
        F4(4, new double[][] {{1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}}, "winograd4_conv3x3.pt");

        final int outputs;        // output tile side m
        final int taps;           // (m + 2)^2 transformed taps
        final double[] gKronG;    // G (x) G [taps, 9]: row a*i + j, column 3p + q holds G[i][p] G[j][q]
        final TorchScriptOp op;

        Tile(int outputs, double[][] g, String module) {
            int a = outputs + 2;
            this.outputs = outputs;
            this.taps = a * a;
            this.gKronG = new double[taps * 9];
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < a; j++) {
                    for (int p = 0; p < 3; p++) {
                        for (int q = 0; q < 3; q++) {
                            gKronG[(a * i + j) * 9 + 3 * p + q] = g[i][p] * g[j][q];
                        }
                    }
                }
            }
            this.op = new TorchScriptOp(module);
        }

        /** The tile whose filters have {@code taps} taps (their first dimension). */
        static Tile ofTaps(long taps) {
            return taps == F4.taps ? F4 : F2;
        }
    }

    private WinogradConv3x3() {}

    static Optional<PtSymbolBlock> module(Tile tile, Device device) {
        return tile.op.module(device);
    }

    /**
     * [K, C, 3, 3] -> [taps, K, C] on {@code weight}'s manager: (G g G^T) per filter, tap (i, j) at a*i + j, as one
     * product (G (x) G) [taps, 9] x g^T [9, K*C], in float64 (F(4x4)'s G has sixths and 24ths) and rounded once. A
     * product's result is contiguous, which the module's batched product needs: the same filters as a transposed view
     * of [K, C, a, a] made every call copy them (105 MB for 1280 channels) and the layer 2-3x slower.
     */
    static NDArray filters(NDArray weight, Tile tile) {
        Shape s = weight.getShape();
        long k = s.get(0);
        long c = s.get(1);
        NDManager m = weight.getManager();
        // F(2x2)'s G (x) G holds products of 0, 1/2 and 1, exact in the weight's type; F(4x4)'s is done in float64
        DataType exact = tile == Tile.F2 ? weight.getDataType() : DataType.FLOAT64;
        try (NDManager tmp = m.newSubManager()) {
            NDArray kron = tmp.create(tile.gKronG, new Shape(tile.taps, 9)).toType(exact, false);
            // views made on weight's manager: closed here, or they would keep the 3x3 weight's storage alive
            NDArray flat = weight.reshape(k * c, 9);
            NDArray taps = flat.transpose();                                     // [9, K*C]
            NDArray copy = taps.toType(exact, true);                             // on tmp, whatever the type
            copy.attach(tmp);
            taps.close();
            flat.close();
            NDArray u = kron.matMul(copy).toType(weight.getDataType(), false).reshape(tile.taps, k, c);
            u.attach(m);                                                         // contiguous [taps, K, C]
            return u;
        }
    }

    /** [N, C, H, W] -> [N, K, H, W] on x's manager; {@code filters} from {@link #filters}, {@code bias} [K]. */
    static NDArray forward(NDArray x, NDArray filters, NDArray bias) {
        Tile tile = Tile.ofTaps(filters.getShape().get(0));
        PtSymbolBlock module = module(tile, x.getDevice()).orElseThrow(() -> new IllegalStateException(
                tile.op + " could not be loaded on " + x.getDevice()));
        return TorchScriptOp.callForUpdate(module, x, filters, bias);
    }
}
