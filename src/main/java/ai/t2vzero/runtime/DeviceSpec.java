package ai.t2vzero.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * Where and in which precision the models run. Both are runtime choices:
 * device {@code auto} picks CUDA when libtorch sees a GPU, else CPU; dtype {@code auto} is fp16 on CUDA and
 * fp32 on CPU (CPU half-precision kernels are slow and less accurate).
 */
public record DeviceSpec(Device device, DataType dtype) {

    public static DeviceSpec cpu() {
        return new DeviceSpec(Device.cpu(), DataType.FLOAT32);
    }

    /** Parses "auto" | "cpu" | "cuda" | "cuda:N" and "auto" | "fp32" | "fp16" (bf16 checkpoints load, widened to fp32). */
    public static DeviceSpec resolve(String device, String dtype) {
        Engine engine = TorchRuntime.engine();
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        Device dev;
        if (d.equals("auto")) {
            dev = engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        } else if (d.equals("cpu")) {
            dev = Device.cpu();
        } else if (d.startsWith("cuda") || d.startsWith("gpu")) {
            int idx = d.contains(":") ? Integer.parseInt(d.substring(d.indexOf(':') + 1)) : 0;
            if (engine.getGpuCount() <= idx) {
                throw new IllegalArgumentException("device " + device + " requested but libtorch sees "
                        + engine.getGpuCount() + " GPU(s)");
            }
            dev = Device.gpu(idx);
        } else {
            throw new IllegalArgumentException("unknown device '" + device + "' (auto, cpu, cuda, cuda:N)");
        }
        String t = dtype == null ? "auto" : dtype.trim().toLowerCase(Locale.ROOT);
        DataType dt = switch (t) {
            case "auto" -> dev.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16", "half" -> DataType.FLOAT16;
            // DJL 0.36's PyTorch engine aborts the JVM on any bfloat16 array (checked): refuse it by name.
            case "bf16", "bfloat16" -> throw new IllegalArgumentException(
                    "dtype bf16 is not supported by DJL 0.36's PyTorch engine; use fp16 or fp32");
            default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "' (auto, fp32, fp16)");
        };
        return new DeviceSpec(dev, dt);
    }

    @Override
    public String toString() {
        return device + "/" + dtype.name().toLowerCase(Locale.ROOT);
    }
}
