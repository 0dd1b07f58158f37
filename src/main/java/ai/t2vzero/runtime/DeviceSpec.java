package ai.t2vzero.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * Where and in which precision the models run. Both are runtime choices:
 * device {@code auto} picks CUDA when libtorch sees a GPU, else CPU; dtype {@code auto} is fp16 on CUDA and
 * fp32 on CPU (CPU half-precision kernels are slow and less accurate). {@code bf16} keeps the linear and
 * convolution layers' weights and products in bfloat16 and everything else in float32 (model.nn.Bfloat16Products),
 * for CPUs with AVX512_BF16 / AMX and for CUDA. On a CPU with AVX512_BF16 or AMX, {@code auto} takes bf16 products
 * only where the caller's measurement says they pay there (model.nn.Bfloat16Speed: both a UNet convolution and a
 * UNet linear layer at least 1.25x float32's rate); elsewhere it never measures and stays fp32.
 *
 * @param dtype    the activations' dtype (and of every loaded tensor): float32 or float16
 * @param products what the models' linear and convolution layers compute in: {@code dtype}, or bfloat16; the dtype
 *                 to load models with
 */
public record DeviceSpec(Device device, DataType dtype, DataType products) {

    private static final Logger LOG = Logger.getLogger(DeviceSpec.class.getName());

    /** Products in the activations' dtype. */
    public DeviceSpec(Device device, DataType dtype) {
        this(device, dtype, dtype);
    }

    public static DeviceSpec cpu() {
        return new DeviceSpec(Device.cpu(), DataType.FLOAT32);
    }

    /**
     * Parses "auto" | "cpu" | "cuda" | "cuda:N" and "auto" | "fp32" | "fp16" | "bf16".
     *
     * @param bf16Pays asked (once) only for dtype auto on a CPU with bfloat16 hardware: whether bfloat16 products are
     *                 measured to pay on that device
     */
    public static DeviceSpec resolve(String device, String dtype, Predicate<Device> bf16Pays) {
        return resolve(device, dtype, CpuInfo.local(), bf16Pays);
    }

    static DeviceSpec resolve(String device, String dtype, CpuInfo cpu, Predicate<Device> bf16Pays) {
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
            case "bf16", "bfloat16" -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "' (auto, fp32, fp16, bf16)");
        };
        if (t.equals("auto") && !dev.isGpu() && cpu.hasBfloat16()) {
            boolean pays = bf16Pays.test(dev);
            LOG.info("dtype auto on " + cpu.name() + " (bfloat16 hardware): " + (pays
                    ? "bfloat16 products measured faster, taking them (t2v.models.dtype=fp32 keeps float32)"
                    : "bfloat16 products not measured faster, float32"));
            if (pays) {
                dt = DataType.BFLOAT16;
            }
        }
        if (dt != DataType.BFLOAT16) {
            return new DeviceSpec(dev, dt);
        }
        if (!dev.isGpu() && !cpu.hasBfloat16()) {
            // measured on an AVX2 CPU: a demo job's VAE decode 340 s instead of a few; the choice stays the user's
            LOG.warning("dtype bf16 on a CPU without AVX512_BF16 or AMX (" + cpu.name() + "): libtorch "
                    + "emulates bfloat16 products there, many times slower than float32");
        }
        // bfloat16 arrays never reach DJL's operators (it aborts on them): activations stay float32
        return new DeviceSpec(dev, DataType.FLOAT32, dt);
    }

    @Override
    public String toString() {
        String s = device + "/" + dtype.name().toLowerCase(Locale.ROOT);
        return products == dtype ? s : s + " (" + products.name().toLowerCase(Locale.ROOT) + " products)";
    }
}
