package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.t2vzero.model.nn.NDArrays;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a video into chunks for the all-frames denoising loop. Every chunk starts with frame 0, the cross-frame
 * attention anchor (diffusers' {@code frame_ids} recipe), followed by up to {@code chunkSize - 1} further frames
 * in order: {@code chunks(8, 4)} = [0,1,2,3], [0,4,5,6], [0,7].
 */
public final class VideoChunker {

    /** Frame 0 (the anchor) plus at least one more frame. */
    public static final int MIN_CHUNK_SIZE = 2;

    private VideoChunker() {}

    public static List<int[]> chunks(int videoLength, int chunkSize) {
        if (videoLength < 1) {
            throw new IllegalArgumentException("videoLength must be >= 1 (got " + videoLength + ")");
        }
        if (chunkSize < MIN_CHUNK_SIZE && videoLength > 1) {
            throw new IllegalArgumentException("chunkSize must be >= 2 (frame 0 plus at least one frame), got " + chunkSize);
        }
        List<int[]> out = new ArrayList<>();
        if (videoLength == 1) {
            out.add(new int[]{0});
            return out;
        }
        int perChunk = chunkSize - 1;
        for (int start = 1; start < videoLength; start += perChunk) {
            int end = Math.min(videoLength, start + perChunk);
            int[] c = new int[end - start + 1];
            c[0] = 0;
            for (int k = start; k < end; k++) {
                c[k - start + 1] = k;
            }
            out.add(c);
        }
        return out;
    }

    /**
     * The largest chunk whose all-frames UNet batch fits {@code budgetBytes}, given the activation bytes one
     * frame needs per UNet pass (both guidance halves included); at least 2 and at most {@code videoLength}.
     */
    public static int chunkSizeFor(long budgetBytes, long bytesPerFrame, int videoLength) {
        long fit = bytesPerFrame <= 0 ? videoLength : budgetBytes / bytesPerFrame;
        return (int) Math.max(MIN_CHUNK_SIZE, Math.min(videoLength, fit));
    }

    /**
     * The rows of {@code frames} [F, ...] that {@code chunk} lists, in its order: [m, ...]. Runs of consecutive
     * indices are sliced, not gathered one by one (a chunk is frame 0 plus one run).
     */
    public static NDArray select(NDArray frames, int[] chunk) {
        NDList runs = new NDList();
        int start = 0;
        for (int i = 1; i <= chunk.length; i++) {
            if (i == chunk.length || chunk[i] != chunk[i - 1] + 1) {
                runs.add(frames.get(new NDIndex("{}:{}", chunk[start], chunk[i - 1] + 1)));
                start = i;
            }
        }
        if (runs.size() == 1) {
            return runs.get(0);
        }
        NDArray out = NDArrays.concat(runs, 0);                        // [m, ...] in chunk order
        runs.close();
        return out;
    }
}
