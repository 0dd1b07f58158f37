package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** Small tensor helpers DJL spells awkwardly. */
public final class NDArrays {

    private NDArrays() {}

    /** torch.cat(list, dim). */
    public static NDArray concat(NDList list, int axis) {
        return ai.djl.ndarray.NDArrays.concat(list, axis);
    }

    public static NDArray concat(int axis, NDArray... arrays) {
        return concat(new NDList(arrays), axis);
    }
}
