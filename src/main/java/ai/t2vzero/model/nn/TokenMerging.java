package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.Optional;

/**
 * Token merging in the UNet's transformer blocks for one forward call, as tomesd 0.1.3 patches a diffusers UNet
 * ({@code tomesd.apply_patch(pipe, ratio=...)}, {@code tomesd/patch.py}): its {@code _tome_info} and
 * {@code compute_merge}. A block whose token count says it runs at no more than {@code maxDownsample} times below the
 * latent's resolution merges {@code r = int(N * ratio)} tokens of its self-attention input and unmerges the output
 * ({@link BipartiteSoftMatching}); the metric is the block's input. Of tomesd's switches, its defaults are the ones
 * implemented: merge_attn on, merge_crossattn and merge_mlp off (cross-attention and feed-forward see every token).
 *
 * <p>tomesd draws the random dst token of every cell from one generator, call after call. Here the draw comes from
 * {@link DstChoice}, which the caller keys (a pipeline keys it by request seed, denoising loop, step and block), so
 * that a result is reproducible and does not depend on how the frames are batched. As in tomesd, an odd batch
 * (no guidance halves to keep together) takes the top-left token of every cell instead.
 *
 * <p>Immutable. {@link #OFF} merges nothing and adds no operation at all.
 */
public final class TokenMerging {

    /** No token merging. */
    public static final TokenMerging OFF = new TokenMerging(0, 1, 2, 2, false, null, 0, 0);

    /** tomesd's default {@code max_downsample}: only the blocks at the latent's own resolution. */
    public static final int DEFAULT_MAX_DOWNSAMPLE = 1;
    /** tomesd's default dst stride: one dst token per 2 x 2 cell, so at most 3/4 of the tokens can merge. */
    public static final int DEFAULT_STRIDE = 2;

    /** tomesd's {@code rand_idx}: the dst token of every cell of one transformer block's grid. */
    @FunctionalInterface
    public interface DstChoice {

        /**
         * @param block    the transformer block's checkpoint path ({@code down_blocks.0.attentions.0.transformer_blocks.0})
         * @param cells    cells of its grid, (h / sy) * (w / sx), row-major
         * @param cellSize sx * sy
         * @return one value in [0, cellSize) per cell
         */
        long[] draw(String block, int cells, int cellSize);
    }

    private final double ratio;
    private final int maxDownsample;
    private final int sx;
    private final int sy;
    private final boolean useRand;
    private final DstChoice dstChoice;
    private final long latentHeight;
    private final long latentWidth;

    private TokenMerging(double ratio, int maxDownsample, int sx, int sy, boolean useRand, DstChoice dstChoice,
                         long latentHeight, long latentWidth) {
        this.ratio = ratio;
        this.maxDownsample = maxDownsample;
        this.sx = sx;
        this.sy = sy;
        this.useRand = useRand;
        this.dstChoice = dstChoice;
        this.latentHeight = latentHeight;
        this.latentWidth = latentWidth;
    }

    /**
     * tomesd's {@code apply_patch(ratio=ratio)} defaults: max_downsample 1, sx = sy = 2, use_rand on.
     *
     * @param ratio fraction of a block's tokens to merge, in (0, 1); tomesd merges at most the src tokens (3/4)
     */
    public static TokenMerging tomesd(double ratio, DstChoice dstChoice) {
        return of(ratio, DEFAULT_MAX_DOWNSAMPLE, DEFAULT_STRIDE, DEFAULT_STRIDE, true, dstChoice);
    }

    /** Any of tomesd's partition settings ({@code useRand} false: the top-left token of every cell is dst). */
    public static TokenMerging of(double ratio, int maxDownsample, int sx, int sy, boolean useRand,
                                  DstChoice dstChoice) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("token merging ratio must be in (0, 1) (got " + ratio + ")");
        }
        if (maxDownsample < 1 || sx < 1 || sy < 1) {
            throw new IllegalArgumentException("token merging: maxDownsample, sx and sy must be >= 1");
        }
        if (useRand && dstChoice == null) {
            throw new IllegalArgumentException("token merging with random dst tokens needs a DstChoice");
        }
        return new TokenMerging(ratio, maxDownsample, sx, sy, useRand, dstChoice, 0, 0);
    }

    /** Whether nothing is merged ({@link #OFF}). */
    public boolean isOff() {
        return ratio <= 0;
    }

    /** This merging for a UNet call on latents of h x w (tomesd's forward pre-hook on the UNet records the size). */
    public TokenMerging forLatent(long height, long width) {
        return isOff() ? this : new TokenMerging(ratio, maxDownsample, sx, sy, useRand, dstChoice, height, width);
    }

    /**
     * tomesd's {@code compute_merge} for the transformer block {@code block} on its input {@code x} [B, N, C]: the
     * merge of its self-attention, or empty where the block is not merged (off, too far below the latent's
     * resolution, or r = 0).
     */
    public Optional<BipartiteSoftMatching> compute(String block, NDArray x) {
        if (isOff()) {
            return Optional.empty();
        }
        if (latentHeight <= 0) {
            throw new IllegalStateException("token merging in " + block + " without the latent size: only "
                    + "UNet2DConditionModel.forward runs it (forLatent)");
        }
        Shape s = x.getShape();
        long n = s.get(1);
        long originalTokens = latentHeight * latentWidth;
        int downsample = (int) Math.ceil(Math.sqrt((double) (originalTokens / n)));
        if (downsample > maxDownsample) {
            return Optional.empty();
        }
        int w = (int) Math.ceil((double) latentWidth / downsample);
        int h = (int) Math.ceil((double) latentHeight / downsample);
        long r = (long) (n * ratio);                                            // python's int(N * ratio)
        int hsy = h / sy;
        int wsx = w / sx;
        if (r <= 0 || hsy * wsx == 0) {
            return Optional.empty();
        }
        // an odd batch cannot hold guidance halves together: tomesd turns randomness off there
        boolean rand = useRand && s.get(0) % 2 == 0;
        NDArray randIdx = null;
        if (rand) {
            long[] choice = dstChoice.draw(block, hsy * wsx, sx * sy);
            randIdx = x.getManager().create(choice, new Shape(hsy, wsx, 1));  // [h/sy, w/sx, 1]
        }
        return BipartiteSoftMatching.random2d(x, w, h, sx, sy, r, randIdx);
    }

    public double ratio() {
        return ratio;
    }

    @Override
    public String toString() {
        return isOff() ? "TokenMerging(off)" : "TokenMerging(ratio=" + ratio + ", maxDownsample=" + maxDownsample
                + ", sx=" + sx + ", sy=" + sy + ", useRand=" + useRand + ")";
    }
}
