package ai.t2vzero.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/** Replays a fixed list of noise tensors in order, failing loudly on a shape mismatch or an extra draw. */
public final class RecordedNoise implements NoiseSource {

    private final List<NDArray> draws;
    private int next;

    public RecordedNoise(List<NDArray> draws) {
        this.draws = new ArrayList<>(draws);
    }

    @Override
    public NDArray randn(NDManager manager, Shape shape, String caller) {
        if (next >= draws.size()) {
            throw new IllegalStateException("recorded noise exhausted: draw #" + next + " of shape " + shape
                    + " requested by " + caller + ", only " + draws.size() + " recorded");
        }
        NDArray d = draws.get(next);
        if (!d.getShape().equals(shape)) {
            throw new IllegalStateException("recorded noise #" + next + " has shape " + d.getShape() + " but "
                    + caller + " asked for " + shape);
        }
        next++;
        return manager.from(d).duplicate();
    }

    public int consumed() {
        return next;
    }

    public int recorded() {
        return draws.size();
    }
}
