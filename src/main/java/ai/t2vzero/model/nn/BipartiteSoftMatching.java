package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;

import java.util.Optional;

/**
 * tomesd's {@code bipartite_soft_matching_random2d} (ToMe for Stable Diffusion, Bolya and Hoffman, arXiv 2303.17604;
 * {@code tomesd/merge.py} of tomesd 0.1.3): the tokens of an h x w grid are split into dst tokens, one per sy x sx
 * cell (chosen at random, or the cell's top-left token), and src tokens (the rest, and the rows and columns left over
 * when a side does not divide); each src token is matched to its most similar dst token (cosine similarity of the
 * metric), and the r src tokens with the most similar matches are merged into their dst tokens (averaged).
 * {@link #merge} shrinks [B, N, C] to [B, N - r, C] ({@code [unmerged src | dst]}); {@link #unmerge} puts [B, N - r, C]
 * back on the N positions (a merged src token takes its dst token's value).
 *
 * <p>As in tomesd, the partition is one for the whole batch; the matches are per sample. tomesd splits dst|src with
 * torch's (unstable) argsort of a -1/0 buffer, so the order within each group is whatever the sort gives; here the
 * sort key carries the token position, which gives the stable order (ascending positions). Nothing downstream
 * depends on that order: self-attention is permutation-equivariant, and {@link #unmerge} puts every token back where
 * it came from.
 *
 * <p>DJL's NDArray API has gather, scatter and argsort; the mean scatter-reduce of the merge is libtorch's
 * {@code scatter_reduce(reduce="mean", include_self=True)}, reached through a shipped TorchScript module
 * ({@code scatter_reduce_mean.pt}, made by {@code tools/nn/make_scatter_reduce_module.py}).
 *
 * <p>Legend: B batch, N = h * w tokens (row-major), C channels, Nb dst tokens (one per cell), Na = N - Nb src
 * tokens, r merged tokens. Index arrays are int64 and live in the caller's scope.
 */
public final class BipartiteSoftMatching {

    private static final TorchScriptOp SCATTER_REDUCE_MEAN = new TorchScriptOp("scatter_reduce_mean.pt");

    private final long batch;
    private final long tokens;
    private final long r;
    private final NDArray aIdx;     // [1, Na, 1] positions of the src tokens
    private final NDArray bIdx;     // [1, Nb, 1] positions of the dst tokens
    private final NDArray unmIdx;   // [B, Na - r, 1] src rows kept apart, best match first
    private final NDArray srcIdx;   // [B, r, 1] src rows merged
    private final NDArray dstIdx;   // [B, r, 1] the dst row each merged src row goes to

    private BipartiteSoftMatching(long batch, long tokens, long r, NDArray aIdx, NDArray bIdx, NDArray unmIdx,
                                  NDArray srcIdx, NDArray dstIdx) {
        this.batch = batch;
        this.tokens = tokens;
        this.r = r;
        this.aIdx = aIdx;
        this.bIdx = bIdx;
        this.unmIdx = unmIdx;
        this.srcIdx = srcIdx;
        this.dstIdx = dstIdx;
    }

    /**
     * Partitions and matches the tokens of {@code metric}.
     *
     * @param metric  [B, N, C], N = h * w: what similarity is measured on (the transformer block's input)
     * @param w       grid width in tokens
     * @param h       grid height in tokens
     * @param sx      cell width (the dst stride in x)
     * @param sy      cell height
     * @param r       tokens to remove by merging (at most Na are)
     * @param randIdx [h / sy, w / sx, 1] int64 in [0, sx * sy): the dst token of each cell, row-major within the
     *                cell; null for tomesd's {@code no_rand} (the top-left token of every cell)
     * @return empty when nothing is merged: {@code r <= 0} (tomesd's do_nothing), a grid with no whole cell (no dst
     *         token; tomesd would fail there) or 1 x 1 cells (no src token)
     */
    public static Optional<BipartiteSoftMatching> random2d(NDArray metric, int w, int h, int sx, int sy, long r,
                                                           NDArray randIdx) {
        Shape s = metric.getShape();
        long b = s.get(0);
        long n = s.get(1);
        if ((long) w * h != n) {
            throw new IllegalArgumentException("token merging: " + n + " tokens are not a " + h + " x " + w + " grid");
        }
        int hsy = h / sy;
        int wsx = w / sx;
        long numDst = (long) hsy * wsx;
        if (r <= 0 || numDst == 0 || numDst == n) {
            return Optional.empty();                                                    // nothing to merge
        }
        NDManager m = metric.getManager();

        // 1. each sy x sx cell: -1 at its dst token, 0 at its src tokens; leftover rows and columns are src
        NDArray choice = randIdx != null ? randIdx : m.zeros(new Shape(hsy, wsx, 1), DataType.INT64);
        NDArray cells = m.zeros(new Shape(hsy, wsx, (long) sy * sx), DataType.INT64)
                .scatter(choice, choice.onesLike().neg(), 2);                           // [hsy, wsx, sy*sx]
        NDArray grid = cells.reshape(hsy, wsx, sy, sx).transpose(0, 2, 1, 3)
                .reshape((long) hsy * sy, (long) wsx * sx);                              // [hsy*sy, wsx*sx]
        if ((long) hsy * sy < h || (long) wsx * sx < w) {
            NDArray full = m.zeros(new Shape(h, w), DataType.INT64);                     // [h, w]
            full.set(new NDIndex(":{}, :{}", (long) hsy * sy, (long) wsx * sx), grid);
            grid = full;
        }

        // 2. argsort -> dst | src positions (key = label * N + position: the stable order of the -1/0 labels)
        NDArray key = grid.reshape(n).mul(n).add(m.arange(0, n, 1, DataType.INT64));   // [N]
        NDArray order = key.argSort(0, true).reshape(1, n, 1);                          // [1, N, 1]: dst | src
        NDArray bIdx = order.get(new NDIndex(":, :{}, :", numDst));                     // [1, Nb, 1]
        NDArray aIdx = order.get(new NDIndex(":, {}:, :", numDst));                     // [1, Na, 1]
        long na = n - numDst;

        // 3. cosine similarity of every src token with every dst token
        NDArray norm = metric.norm(new int[]{-1}, true);                                // [B, N, 1]
        NDArray unit = metric.div(norm);
        norm.close();
        NDArray a = unit.gather(aIdx.broadcast(b, na, s.get(2)), 1);                    // [B, Na, C]
        NDArray bTokens = unit.gather(bIdx.broadcast(b, numDst, s.get(2)), 1);          // [B, Nb, C]
        unit.close();
        NDArray scores = a.matMul(bTokens.transpose(0, 2, 1));                          // [B, Na, Nb]
        a.close();
        bTokens.close();

        // 4. greedy: each src token's best dst; the r src tokens with the best matches merge
        long rr = Math.min(na, r);                                                      // can't merge more than Na
        NDArray nodeMax = scores.max(new int[]{-1}, false);                             // [B, Na]
        NDArray nodeIdx = scores.argMax(-1).expandDims(-1);                             // [B, Na, 1] into dst
        scores.close();
        NDArray edgeIdx = nodeMax.argSort(-1, false).expandDims(-1);                    // [B, Na, 1] best first
        nodeMax.close();
        NDArray unmIdx = edgeIdx.get(new NDIndex(":, {}:, :", rr));                     // [B, Na - r, 1]
        NDArray srcIdx = edgeIdx.get(new NDIndex(":, :{}, :", rr));                     // [B, r, 1]
        NDArray dstIdx = nodeIdx.gather(srcIdx, 1);                                     // [B, r, 1]
        return Optional.of(new BipartiteSoftMatching(b, n, rr, aIdx, bIdx, unmIdx, srcIdx, dstIdx));
    }

    /** [B, N, c] -> [B, N - r, c]: unmerged src tokens (best match first), then the dst tokens averaged with theirs. */
    public NDArray merge(NDArray x) {
        long c = x.getShape().get(2);
        long na = aIdx.getShape().get(1);
        long nb = bIdx.getShape().get(1);
        NDArray src = x.gather(aIdx.broadcast(batch, na, c), 1);                        // [B, Na, c]
        NDArray dst = x.gather(bIdx.broadcast(batch, nb, c), 1);                        // [B, Nb, c]
        NDArray unm = src.gather(unmIdx.broadcast(batch, na - r, c), 1);                // [B, Na - r, c]
        NDArray merged = src.gather(srcIdx.broadcast(batch, r, c), 1);                  // [B, r, c]
        src.close();
        NDArray means = scatterReduceMean(dst, dstIdx.broadcast(batch, r, c), merged);  // [B, Nb, c]
        dst.close();
        merged.close();
        NDArray out = NDArrays.concat(1, unm, means);                                   // [B, Na - r + Nb, c]
        unm.close();
        means.close();
        return out;
    }

    /** [B, N - r, c] -> [B, N, c]: every token back at its position; merged src tokens copy their dst token. */
    public NDArray unmerge(NDArray x) {
        long c = x.getShape().get(2);
        long na = aIdx.getShape().get(1);
        long nb = bIdx.getShape().get(1);
        long unmLen = na - r;
        NDArray unm = x.get(new NDIndex(":, :{}", unmLen));                             // [B, Na - r, c]
        NDArray dst = x.get(new NDIndex(":, {}:", unmLen));                             // [B, Nb, c]
        NDArray src = dst.gather(dstIdx.broadcast(batch, r, c), 1);                     // [B, r, c]
        NDArray aAll = aIdx.broadcast(batch, na, 1);
        NDArray unmPos = aAll.gather(unmIdx, 1);                                        // [B, Na - r, 1] positions
        NDArray srcPos = aAll.gather(srcIdx, 1);                                        // [B, r, 1] positions
        // the three scatters of tomesd's unmerge (each out of place in DJL)
        NDArray zeros = x.getManager().zeros(new Shape(batch, tokens, c), x.getDataType());
        NDArray withDst = zeros.scatter(bIdx.broadcast(batch, nb, c), dst, 1);
        zeros.close();
        NDArray withUnm = withDst.scatter(unmPos.broadcast(batch, unmLen, c), unm, 1);
        withDst.close();
        NDArray out = withUnm.scatter(srcPos.broadcast(batch, r, c), src, 1);          // [B, N, c]
        withUnm.close();
        unm.close();
        dst.close();
        src.close();
        unmPos.close();
        srcPos.close();
        return out;
    }

    /** Tokens removed by {@link #merge} (tomesd's r after its clamp to the src count). */
    public long removed() {
        return r;
    }

    /** {@code dst.scatter_reduce(1, index, src, reduce="mean", include_self=True)}, through the shipped module. */
    static NDArray scatterReduceMean(NDArray dst, NDArray index, NDArray src) {
        PtSymbolBlock module = SCATTER_REDUCE_MEAN.module(dst.getDevice()).orElseThrow(() -> new IllegalStateException(
                "token merging needs scatter_reduce_mean.pt, which libtorch could not load (see the warning)"));
        return TorchScriptOp.call(module, dst.getManager(), dst, 1L, index, src);
    }
}
