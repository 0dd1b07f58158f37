package ai.t2vzero.testing;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.runtime.DeviceSpec;

/**
 * The dtype the parity checkers load their models with: float32 (the manifest's tolerances), or bfloat16 products
 * while {@code Bfloat16ParityTest} runs the cases again. Process-wide, like the conv algorithm the Winograd parity run
 * sets; set and restore around a run.
 */
public final class ParityPrecision {

    private static volatile DataType products = DataType.FLOAT32;

    private ParityPrecision() {}

    /** The dtype to pass to a model's load: FLOAT32, or BFLOAT16 for bfloat16 products (float32 activations). */
    public static DataType products() {
        return products;
    }

    /** The CPU device spec with {@link #products()}. */
    public static DeviceSpec device() {
        return new DeviceSpec(Device.cpu(), DataType.FLOAT32, products);
    }

    /** Sets the product type for the cases run from now on; returns the previous one. */
    public static DataType set(DataType p) {
        DataType previous = products;
        products = p;
        return previous;
    }
}
