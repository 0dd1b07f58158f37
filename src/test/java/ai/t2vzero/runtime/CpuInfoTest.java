package ai.t2vzero.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuInfoTest {

    @TempDir
    Path dir;

    @Test
    void readsTheFirstCoresNameNumbersAndFlags() throws Exception {
        Path f = dir.resolve("cpuinfo");
        Files.writeString(f, """
                processor\t: 0
                vendor_id\t: GenuineIntel
                cpu family\t: 6
                model\t\t: 143
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                flags\t\t: fpu sse2 avx2 fma avx512f avx512_bf16 amx_tile
                processor\t: 1
                model name\t: something else
                flags\t\t: fpu
                """);
        CpuInfo info = CpuInfo.read(f);
        assertEquals("Intel(R) Xeon(R) Platinum 8480+ (family 6 model 143)", info.name());
        assertTrue(info.has("avx512f"));
        assertTrue(info.has("amx_tile"));
        assertFalse(info.has("avx512_vnni"));
    }

    @Test
    void anUnreadableFileIsAnUnknownCpuWithoutFlags() {
        CpuInfo info = CpuInfo.read(dir.resolve("missing"));
        assertTrue(info.name().startsWith("unknown CPU"), info.name());
        assertTrue(info.flags().isEmpty());
    }
}
