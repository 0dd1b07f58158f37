package ai.t2vzero.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * This machine's CPU as {@code /proc/cpuinfo} describes its first core: the model name (with family and model
 * numbers, since hypervisors often shorten the name to "AMD EPYC") and the ISA flags that decide libtorch's kernels
 * (avx2, avx512f, avx512_bf16, amx_tile, ...). Read once; an unreadable file gives "unknown CPU" and no flags.
 */
public record CpuInfo(String name, Set<String> flags) {

    private static final CpuInfo LOCAL = read(Path.of("/proc/cpuinfo"));

    public static CpuInfo local() {
        return LOCAL;
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** Whether the CPU computes bfloat16 products natively (AVX512_BF16 or AMX); elsewhere libtorch emulates them. */
    public boolean hasBfloat16() {
        return has("avx512_bf16") || has("amx_bf16");
    }

    static CpuInfo read(Path cpuinfo) {
        String name = null;
        String family = null;
        String model = null;
        Set<String> flags = Set.of();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                String value = line.substring(line.indexOf(':') + 1).trim();
                if (line.startsWith("model name") && name == null) {
                    name = value;
                } else if (line.startsWith("cpu family") && family == null) {
                    family = value;
                } else if (line.matches("model\\s*:.*") && model == null) {
                    model = value;
                } else if (line.startsWith("flags") && flags.isEmpty()) {
                    flags = Set.of(value.split("\\s+"));
                }
            }
        } catch (IOException e) {
            return new CpuInfo("unknown CPU (" + e.getMessage() + ")", Set.of());
        }
        String described = name != null ? name : "unknown CPU";
        if (family != null && model != null) {
            described += " (family " + family + " model " + model + ")";
        }
        return new CpuInfo(described, flags);
    }
}
