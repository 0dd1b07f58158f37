package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** Classifier-free guidance arithmetic on a batch made of equal contiguous groups. */
public final class Guidance {

    private Guidance() {}

    /** {@code uncond + g * (cond - uncond)} for a batch [2N, ...] whose first half is unconditional. */
    public static NDArray classifierFree(NDArray noisePred, double guidanceScale) {
        NDList halves = noisePred.split(2, 0); // [N, ...] uncond, [N, ...] cond
        NDArray uncond = halves.get(0);
        NDArray cond = halves.get(1);
        return uncond.add(cond.sub(uncond).mul(guidanceScale));
    }

    /**
     * InstructPix2Pix's three-way guidance, {@code uncond + g * (text - image) + ig * (image - uncond)}, for a batch
     * [3N, ...] of three groups: text + image conditioned, image conditioned only, unconditioned.
     */
    public static NDArray instructPix2Pix(NDArray noisePred, double guidanceScale, double imageGuidanceScale) {
        NDList thirds = noisePred.split(3, 0); // [N, ...] each: text, image, uncond
        NDArray text = thirds.get(0);
        NDArray image = thirds.get(1);
        NDArray uncond = thirds.get(2);
        return uncond.add(text.sub(image).mul(guidanceScale)).add(image.sub(uncond).mul(imageGuidanceScale));
    }

    /** Repeats each of the G rows of {@code embeds} [G, L, D] n times: [G*n, L, D], group after group. */
    public static NDArray repeatPerFrame(NDArray embeds, int n) {
        long[] d = embeds.getShape().getShape();
        return embeds.expandDims(1)                                    // [G, 1, L, D]
                .broadcast(new ai.djl.ndarray.types.Shape(d[0], n, d[1], d[2])) // [G, n, L, D]
                .reshape(d[0] * n, d[1], d[2]);                        // [G*n, L, D]: uncond x n, cond x n
    }
}
