package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.ConvAlgorithm;
import ai.t2vzero.pipeline.CrossFrameAttnProcessor;
import ai.t2vzero.runtime.NativeMemory;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ModelBundle;
import org.junit.jupiter.api.Test;

import javax.management.JMException;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Repeated UNet calls must not accumulate native memory: every intermediate is freed by its block's scope, nothing
 * is attached to the weights' managers, and resident memory stays flat after warm-up. Uses the reference set's
 * sd15-mini UNet and controlnet-mini ({@code -Dt2vzero.reference}), alternating plain and cross-frame attention,
 * with and without ControlNet residuals, so that every path of both forwards runs.
 */
class UNet2DConditionModelMemoryTest {

    private static final int WARMUP = 5;
    private static final int CALLS = 30;
    private static final long SLACK_BYTES = 24L << 20;

    @Test
    void repeatedForwardCallsDoNotGrowNativeMemory() {
        repeatedForwardCalls();
    }

    /** The same with every 3x3 convolution as Winograd F(2x2, 3x3) (a TorchScript module's temporaries, in bands). */
    @Test
    void repeatedForwardCallsWithWinogradConvolutionsDoNotGrowNativeMemory() {
        ConvAlgorithm before = ConvAlgorithm.set(ConvAlgorithm.WINOGRAD);
        try {
            repeatedForwardCalls();
        } finally {
            ConvAlgorithm.set(before);
        }
    }

    private void repeatedForwardCalls() {
        TorchRuntime.engine();
        Reference reference = Reference.load();
        ModelBundle bundle = new ModelBundle(reference.model("sd15"));
        try (NDManager root = NDManager.newBaseManager(); NDManager inputs = root.newSubManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(bundle, "unet", root, DataType.FLOAT32);
            ControlNetModel controlnet = ControlNetModel.load(new ModelBundle(reference.model("controlnet")), ".", root,
                    DataType.FLOAT32);
            long before = -1;
            long middle = -1;
            UNet2DConditionConfig c = unet.config();
            long batch = 4;
            long side = 16;
            NDArray sample = inputs.randomNormal(0, 1, new Shape(batch, c.inChannels(), side, side), DataType.FLOAT32);
            NDArray timestep = inputs.create(501L);
            NDArray text = inputs.randomNormal(0, 1, new Shape(batch, 77, c.crossAttentionDim()), DataType.FLOAT32);
            NDArray image = inputs.randomUniform(0, 1, new Shape(batch, 3, side * 8, side * 8), DataType.FLOAT32);
            AttnProcessors crossFrame = AttnProcessors.all(new CrossFrameAttnProcessor(2));

            int unetArrays = unet.manager().getManagedArrays().size();
            int controlnetArrays = controlnet.manager().getManagedArrays().size();
            int inputArrays = inputs.getManagedArrays().size();
            for (int i = 0; i < WARMUP + CALLS; i++) {
                if (i == WARMUP) {
                    before = residentOutsideJavaHeap();
                } else if (i == WARMUP + CALLS / 2) {
                    middle = residentOutsideJavaHeap();
                }
                AttnProcessors processors = i % 2 == 0 ? crossFrame : AttnProcessors.DEFAULT;
                // every third call without ControlNet
                ControlNetOutput residuals = i % 3 == 0 ? null
                        : controlnet.forward(sample, timestep, text, image, 0.8f, processors);
                unet.forward(sample, timestep, text, processors, residuals).close();
                if (residuals != null) {
                    residuals.downBlockResSamples().forEach(NDArray::close);
                    residuals.midBlockResSample().close();
                }
            }
            long after = residentOutsideJavaHeap();

            assertEquals(unetArrays, unet.manager().getManagedArrays().size(),
                    "arrays attached to the UNet weights' manager after the calls");
            assertEquals(controlnetArrays, controlnet.manager().getManagedArrays().size(),
                    "arrays attached to the ControlNet weights' manager after the calls");
            assertEquals(inputArrays, inputs.getManagedArrays().size(),
                    "arrays attached to the inputs' manager after the calls");
            assertTrue(before > 0, "cannot read resident memory");
            long growth = after - before;
            System.out.printf("resident outside the Java heap: %.1f MiB after warm-up, %.1f MiB after %d calls, %.1f "
                    + "MiB after %d (growth %.1f MiB; whole process %.1f MiB)%n", before / 1048576.0,
                    middle / 1048576.0, CALLS / 2, after / 1048576.0, CALLS, growth / 1048576.0,
                    NativeMemory.residentBytes() / 1048576.0);
            // a leak grows in both halves of the calls; a one-off step (a malloc arena's or the JIT code cache's
            // first touch: once +24 MiB in a CI run, flat before and after) lands in one of them
            long leastHalf = Math.min(middle - before, after - middle);
            assertTrue(leastHalf < SLACK_BYTES / 2, "resident memory grew in both halves of the calls: "
                    + (middle - before) / 1048576 + " and " + (after - middle) / 1048576 + " MiB over " + CALLS / 2
                    + " calls each (slack " + SLACK_BYTES / 2 / 1048576 + " MiB)");
            assertTrue(growth < 3 * SLACK_BYTES, "resident memory grew by " + growth / 1048576 + " MiB over "
                    + CALLS + " calls");
        }
    }

    /**
     * Resident memory of the process minus the Java heap: {@link NativeMemory#residentBytes()} also counts heap pages
     * the JVM touches as garbage accumulates between collections, which says nothing about native leaks. Sums the
     * Rss of every mapping in {@code /proc/self/smaps} outside the heap's reserved range, which the JVM's own
     * {@code GC.heap_info} diagnostic command prints as {@code [0x..., 0x...)}.
     */
    private static long residentOutsideJavaHeap() {
        long[] heap = heapRange();
        long total = 0;
        boolean inHeap = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                Matcher mapping = MAPPING.matcher(line);
                if (mapping.lookingAt()) {
                    long start = Long.parseUnsignedLong(mapping.group(1), 16);
                    inHeap = start >= heap[0] && start < heap[1];
                } else if (line.startsWith("Rss:") && !inHeap) {
                    total += Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/smaps", e);
        }
        return total;
    }

    private static final Pattern MAPPING = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) ");
    private static final Pattern HEAP_RANGE = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");

    /** [start, end) of the Java heap reservation, from the GC.heap_info diagnostic command. */
    private static long[] heapRange() {
        try {
            Object info = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo",
                    new Object[] {null}, new String[] {String[].class.getName()});
            Matcher m = HEAP_RANGE.matcher(String.valueOf(info));
            if (!m.find()) {
                throw new AssertionError("no heap range in GC.heap_info: " + info);
            }
            return new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)};
        } catch (JMException e) {
            throw new AssertionError("cannot run GC.heap_info", e);
        }
    }
}
