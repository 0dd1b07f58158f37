package ai.t2vzero.weights;

import java.util.Arrays;

/**
 * One entry of a safetensors header: dtype code ("F32", "F16", "BF16", "I64", ...), shape, and the byte range
 * relative to the start of the data section.
 */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public static int bytesPerElement(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
