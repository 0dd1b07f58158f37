package ai.t2vzero.runtime;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceSpecTest {

    private static final CpuInfo AVX2 = new CpuInfo("an AVX2 CPU", Set.of("avx2", "fma"));
    private static final CpuInfo AMX = new CpuInfo("an AMX CPU", Set.of("avx2", "avx512f", "amx_tile", "amx_bf16"));
    private static final CpuInfo ZEN4 = new CpuInfo("a Zen 4 CPU", Set.of("avx2", "avx512f", "avx512_bf16"));

    /** A measurement that records where it was asked and answers {@code pays}. */
    private static final class Measurement implements Predicate<Device> {
        final List<Device> asked = new ArrayList<>();
        final boolean pays;

        Measurement(boolean pays) {
            this.pays = pays;
        }

        @Override
        public boolean test(Device device) {
            asked.add(device);
            return pays;
        }
    }

    @Test
    void autoOnACpuWithBfloat16HardwareTakesBf16ProductsOnlyWhereMeasuredFaster() {
        for (CpuInfo cpu : List.of(AMX, ZEN4)) {
            Measurement faster = new Measurement(true);
            DeviceSpec spec = DeviceSpec.resolve("cpu", "auto", cpu, faster);
            assertEquals(List.of(Device.cpu()), faster.asked, cpu.name());
            assertEquals(DataType.FLOAT32, spec.dtype(), "activations stay float32");
            assertEquals(DataType.BFLOAT16, spec.products());

            Measurement slower = new Measurement(false);
            DeviceSpec kept = DeviceSpec.resolve("cpu", "auto", cpu, slower);
            assertEquals(1, slower.asked.size());
            assertEquals(DataType.FLOAT32, kept.dtype());
            assertEquals(DataType.FLOAT32, kept.products(), "not measured faster: float32");
        }
    }

    @Test
    void autoWithoutBfloat16HardwareNeverMeasures() {
        Measurement m = new Measurement(true);
        DeviceSpec spec = DeviceSpec.resolve("cpu", "auto", AVX2, m);
        assertEquals(List.of(), m.asked, "emulated bfloat16 is never timed");
        assertEquals(DataType.FLOAT32, spec.products());
    }

    @Test
    void anExplicitDtypeIsNeverOverriddenByMeasurement() {
        Measurement m = new Measurement(true);
        assertEquals(DataType.FLOAT32, DeviceSpec.resolve("cpu", "fp32", AMX, m).products());
        assertEquals(DataType.FLOAT16, DeviceSpec.resolve("cpu", "fp16", AMX, m).products());
        DeviceSpec bf16 = DeviceSpec.resolve("cpu", "bf16", AVX2, m);     // asked for by name: taken (with a warning)
        assertEquals(DataType.FLOAT32, bf16.dtype());
        assertEquals(DataType.BFLOAT16, bf16.products());
        assertTrue(bf16.toString().contains("bfloat16 products"), bf16.toString());
        assertEquals(List.of(), m.asked);
    }

    @Test
    void unknownNamesAreRefusedWithTheChoices() {
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                () -> DeviceSpec.resolve("cpu", "int8", AVX2, new Measurement(true)));
        assertTrue(dtype.getMessage().contains("auto, fp32, fp16, bf16"), dtype.getMessage());
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
                () -> DeviceSpec.resolve("tpu", "auto", AVX2, new Measurement(true)));
        assertTrue(device.getMessage().contains("auto, cpu, cuda, cuda:N"), device.getMessage());
    }
}
