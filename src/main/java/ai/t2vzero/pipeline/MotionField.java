package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.runtime.Scopes;

/**
 * The global translation of Text2Video-Zero (arXiv 2303.13439, section 3.3.1, "motion dynamics in latent codes"):
 * frame k's latent at time T' is the first frame's latent warped by the flow delta^k = k * (sx, sy). Ports
 * {@code coords_grid}, {@code warp_single_latent}, {@code create_motion_field} and
 * {@code create_motion_field_and_warp_latents} of diffusers' {@code pipeline_text_to_video_zero.py}.
 *
 * <p>diffusers builds the flow on a 512x512 pixel grid whatever the latent size, normalizes the shifted pixel
 * coordinates to [-1, 1], resizes that grid bilinearly (align_corners=False) to the latent's (h, w), and samples the
 * latent with {@code grid_sample(mode="nearest", padding_mode="reflection", align_corners=False)}. DJL has no
 * {@code grid_sample}: since the flow is constant per frame, the grid is computed here on the host in float32 with
 * torch's operation order (so that coordinates landing on a .5 boundary round as torch rounds them), turned into one
 * source pixel per output pixel (unnormalize, reflect about -0.5 and size-0.5, clip, round half-to-even), and the
 * latent is gathered at those pixels on the device. In closed form the source column of output column j is
 * {@code j + (sx * id - 0.5) * w / 512} (rows likewise with sy, h), rounded half-to-even and reflected.
 *
 * <p>Dimension letters: N frames, C latent channels, h/w latent height/width, H = W = 512 the motion field size.
 */
public final class MotionField {

    /** Side of the pixel grid the flow is defined on (diffusers: {@code torch.zeros((n, 2, 512, 512))}). */
    public static final int SIZE = 512;

    private MotionField() {}

    /**
     * RAFT's {@code coords_grid} along one axis: the pixel indices 0..size-1 as float32. The 2-D grid of diffusers
     * (channel 0 = x = column index, channel 1 = y = row index) is the outer product of two such axes.
     */
    static float[] coordsGrid(int size) {
        float[] c = new float[size];
        for (int i = 0; i < size; i++) {
            c[i] = i;
        }
        return c;
    }

    /**
     * {@code create_motion_field}: the translation flow of each frame, constant over the 512x512 field, so one
     * (x, y) pair per frame: {@code (sx * frameIds[i], sy * frameIds[i])} in float32 ({@code [N][2]}).
     */
    public static float[][] createMotionField(double sx, double sy, int[] frameIds) {
        float[][] flow = new float[frameIds.length][];
        for (int i = 0; i < frameIds.length; i++) {
            flow[i] = new float[] {(float) (sx * frameIds[i]), (float) (sy * frameIds[i])};
        }
        return flow;
    }

    /**
     * The {@code grid_sample} grid of {@code warp_single_latent} for one frame's {@code flow}: {@code [h, w, 2]}
     * flattened, (x, y) in [-1, 1] per output pixel.
     */
    public static float[] samplingGrid(float[] flow, int h, int w) {
        // 1. coords_t0 = (coords0 + flow) / (W, H) * 2 - 1 along each axis of the 512x512 field
        float[] x = normalizedAxis(coordsGrid(SIZE), flow[0]);
        float[] y = normalizedAxis(coordsGrid(SIZE), flow[1]);
        // 2. F.interpolate(coords_t0, size=(h, w), mode="bilinear", align_corners=False): per-axis taps
        Taps rows = Taps.of(SIZE, h);
        Taps cols = Taps.of(SIZE, w);
        // 3. permute to [h, w, 2]. torch interpolates each channel along w (inner) then h (outer), in float32;
        //    x only varies along w and y only along h, but both passes still round
        float[] grid = new float[h * w * 2];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                float tx = cols.value(x, c);
                float gx = rows.blend(tx, tx, r);
                float ty0 = cols.blend(y[rows.i0[r]], y[rows.i0[r]], c);
                float ty1 = cols.blend(y[rows.i1[r]], y[rows.i1[r]], c);
                float gy = rows.blend(ty0, ty1, r);
                grid[(r * w + c) * 2] = gx;
                grid[(r * w + c) * 2 + 1] = gy;
            }
        }
        return grid;
    }

    /** The grids of all frames as an NDArray {@code [N, h, w, 2]} (what diffusers passes to grid_sample). */
    public static NDArray grid(NDManager manager, double sx, double sy, int[] frameIds, int h, int w) {
        float[][] motionField = createMotionField(sx, sy, frameIds);
        float[] all = new float[frameIds.length * h * w * 2];
        for (int i = 0; i < frameIds.length; i++) {
            System.arraycopy(samplingGrid(motionField[i], h, w), 0, all, i * h * w * 2, h * w * 2);
        }
        return manager.create(all, new Shape(frameIds.length, h, w, 2)); // [N, h, w, 2]
    }

    /**
     * {@code grid_sample(mode="nearest", padding_mode="reflection", align_corners=False)} of one normalized
     * coordinate, as torch's CPU kernel computes it in float32: the source pixel index in [0, size).
     */
    static int sourceIndex(float coord, int size) {
        // 1. unnormalize: -1 -> -0.5 (left edge of pixel 0), 1 -> size - 0.5
        float x = (coord + 1f) * ((float) size / 2) - 0.5f;
        // 2. reflect about -0.5 and size - 0.5 (period 2 * size)
        float twiceSpan = (float) size * 2;
        float absIn = Math.abs(x - (-0.5f));
        float doubleFlips = (float) (long) (absIn / twiceSpan); // trunc
        float extra = absIn - doubleFlips * twiceSpan;
        x = Math.min(extra, twiceSpan - extra) + (-0.5f);
        // 3. clip to [0, size - 1] (NaN -> 0)
        x = Math.min((float) (size - 1), x > 0f ? x : 0f);
        // 4. nearest pixel, half to even
        return (int) Math.rint(x);
    }

    /**
     * {@code warp_single_latent}: {@code latent} {@code [1, C, h, w]} sampled at the grid of {@code flow}
     * (one frame's (x, y) translation in 512-pixel units). Returns {@code [1, C, h, w]}.
     */
    public static NDArray warpSingleLatent(NDArray latent, float[] flow) {
        long[] s = latent.getShape().getShape();
        if (s.length != 4 || s[0] != 1) {
            throw new IllegalArgumentException("warpSingleLatent expects a [1, C, h, w] latent, got "
                    + latent.getShape());
        }
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[] grid = samplingGrid(flow, h, w);
        long[] source = new long[h * w];
        for (int p = 0; p < h * w; p++) {
            source[p] = (long) sourceIndex(grid[2 * p + 1], h) * w + sourceIndex(grid[2 * p], w);
        }
        return Scopes.keep(() -> {
            NDArray index = latent.getManager().create(source, new Shape(1, 1, (long) h * w))
                    .broadcast(1, c, (long) h * w); // [1, C, h*w]: the same pixel for every channel
            return latent.reshape(1, c, (long) h * w) // [1, C, h*w]
                    .gather(index, 2)
                    .reshape(1, c, h, w); // [1, C, h, w]
        });
    }

    /**
     * {@code create_motion_field_and_warp_latents}: frame i of {@code latents} {@code [N, C, h, w]} warped by the
     * translation {@code frameIds[i] * (sx, sy)}. Returns {@code [N, C, h, w]}.
     */
    public static NDArray createMotionFieldAndWarpLatents(double sx, double sy, int[] frameIds, NDArray latents) {
        long n = latents.getShape().get(0);
        if (latents.getShape().dimension() != 4 || n != frameIds.length) {
            throw new IllegalArgumentException("expected latents [" + frameIds.length + ", C, h, w] for "
                    + frameIds.length + " frame ids, got " + latents.getShape());
        }
        float[][] motionField = createMotionField(sx, sy, frameIds);
        return Scopes.keep(() -> {
            NDList warped = new NDList();
            for (int i = 0; i < frameIds.length; i++) {
                warped.add(warpSingleLatent(latents.get(i).expandDims(0), motionField[i])); // [1, C, h, w]
            }
            return NDArrays.concat(warped, 0); // [N, C, h, w]
        });
    }

    private static float[] normalizedAxis(float[] coords, float flow) {
        float[] out = new float[coords.length];
        for (int i = 0; i < coords.length; i++) {
            out[i] = (coords[i] + flow) / SIZE * 2f - 1f; // float32: add, divide by 512, times 2, minus 1
        }
        return out;
    }

    /** The two taps and weights of 1-D linear interpolation from {@code in} to {@code out} samples (torch CPU). */
    private record Taps(int[] i0, int[] i1, float[] l0, float[] l1) {

        static Taps of(int in, int out) {
            int[] i0 = new int[out];
            int[] i1 = new int[out];
            float[] l0 = new float[out];
            float[] l1 = new float[out];
            float scale = (float) in / out; // area_pixel_compute_scale, align_corners=False
            for (int o = 0; o < out; o++) {
                if (in == out) {
                    i0[o] = o;
                    i1[o] = o;
                    l0[o] = 1f;
                    l1[o] = 0f;
                    continue;
                }
                float src = scale * (o + 0.5f) - 0.5f; // area_pixel_compute_source_index
                if (src < 0f) {
                    src = 0f;
                }
                i0[o] = Math.min((int) Math.floor(src), in - 1);
                i1[o] = i0[o] + (i0[o] < in - 1 ? 1 : 0);
                l1[o] = Math.min(Math.max(src - i0[o], 0f), 1f);
                l0[o] = 1f - l1[o];
            }
            return new Taps(i0, i1, l0, l1);
        }

        /** t0 * l0 + t1 * l1 at output index o, float32. */
        float blend(float t0, float t1, int o) {
            return t0 * l0[o] + t1 * l1[o];
        }

        float value(float[] axis, int o) {
            return blend(axis[i0[o]], axis[i1[o]], o);
        }
    }
}
