package ai.t2vzero.weights;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static ai.t2vzero.weights.CheckpointFixtures.assertSameTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torch.save files (made by torch 1.13, tools/reference/make_checkpoints.py) read without running pickle code:
 * every dtype, view and layout torch writes gives torch's values; hostile files are refused, naming the problem,
 * before anything is built or allocated, and nothing of theirs runs.
 */
class TorchZipCheckpointTest {

    static final Path READER = CheckpointFixtures.dir().resolve("reader");
    static final Path HOSTILE = CheckpointFixtures.dir().resolve("hostile");
    /** The os.system payload would `touch` this file (tools/reference/make_checkpoints.py MARKER). */
    static final Path MARKER = Path.of("/tmp/t2vzero-pickle-rce-marker");

    @TempDir
    Path tmp;

    @BeforeAll
    static void noMarkerYet() throws IOException {
        Files.deleteIfExists(MARKER);
    }

    @Test
    void everyDtypeViewAndStrideMatchesTorch() {
        // float32, float16, bfloat16, int64 (incl. 2^40), int32, 0-d, empty, a row view at offset 4, a transposed and
        // a step-2 view (strided), two views of one storage, a [C, C, 1, 1] reshape: values as torch.contiguous() has them
        try (NDManager m = NDManager.newBaseManager();
             TorchZipCheckpoint ckpt = TorchZipCheckpoint.open(READER.resolve("dtypes.pt"));
             SafeTensorsFile expected = SafeTensorsFile.open(READER.resolve("dtypes.expected.safetensors"))) {
            assertEquals(13, assertSameTensors("dtypes.pt", expected, ckpt, m));
            assertFalse(ckpt.ref("transposed").contiguous());
            assertEquals(4, ckpt.ref("row_view").offset());
        }
    }

    @Test
    void sharedStoragesStayShared() {
        try (TorchZipCheckpoint ckpt = TorchZipCheckpoint.open(READER.resolve("dtypes.pt"))) {
            assertSame(ckpt.ref("shared_a").storage(), ckpt.ref("shared_b").storage());
            assertSame(ckpt.ref("row_view").storage(), ckpt.ref("transposed").storage());
        }
    }

    @Test
    void moduleStateDictWithMetadataAndParameters() {
        // nn.Module.state_dict(): an OrderedDict whose _metadata attribute is pickled as BUILD state
        try (NDManager m = NDManager.newBaseManager();
             TorchZipCheckpoint ckpt = TorchZipCheckpoint.open(READER.resolve("module.pt"));
             SafeTensorsFile expected = SafeTensorsFile.open(READER.resolve("module.expected.safetensors"));
             TorchZipCheckpoint param = TorchZipCheckpoint.open(READER.resolve("parameter.pt"))) {
            assertEquals(4, assertSameTensors("module.pt", expected, ckpt, m));
            assertEquals(List.of("weight"), List.copyOf(param.keys()));   // nn.Parameter -> _rebuild_parameter
            assertEquals(4f, param.load("weight", m, null).sum().getFloat());
        }
    }

    @Test
    void deflatedEntriesAreInflated() throws IOException {
        // torch writes stored entries (memory-mapped); a re-zipped file with deflate must read the same
        Path deflated = tmp.resolve("deflated.pt");
        try (ZipFile in = new ZipFile(READER.resolve("dtypes.pt").toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(deflated))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream s = in.getInputStream(e)) {
                    s.transferTo(out);
                }
                out.closeEntry();
            }
        }
        try (NDManager m = NDManager.newBaseManager();
             TorchZipCheckpoint ckpt = TorchZipCheckpoint.open(deflated);
             SafeTensorsFile expected = SafeTensorsFile.open(READER.resolve("dtypes.expected.safetensors"))) {
            assertEquals(13, assertSameTensors("deflated dtypes.pt", expected, ckpt, m));
        }
    }

    @Test
    void legacyFormatGetsReSaveAdvice() {
        String msg = refused(READER.resolve("legacy.pt"));
        assertTrue(msg.contains("legacy (pre-1.6)") && msg.contains("re-save") && msg.contains("safetensors"), msg);
    }

    @Test
    void osSystemPayloadIsRefusedAndNeverRuns() {
        String msg = refused(HOSTILE.resolve("os-system.pt"));
        assertTrue(msg.contains("posix.system") && msg.contains("not executed"), msg);
        assertFalse(Files.exists(MARKER), "the payload ran");
    }

    @Test
    void unknownGlobalIsRefusedByName() {
        String msg = refused(HOSTILE.resolve("unknown-global.pt"));
        assertTrue(msg.contains("numpy.core.multiarray.scalar"), msg);
    }

    @Test
    void truncatedZipIsRefused() {
        String msg = refused(HOSTILE.resolve("truncated.pt"));
        assertTrue(msg.contains("truncated"), msg);
    }

    @Test
    void storageOffsetPastItsDataIsRefused() {
        String msg = refused(HOSTILE.resolve("offset-past-data.pt"));
        assertTrue(msg.contains("reaches element 101") && msg.contains("only 4 elements"), msg);
    }

    @Test
    void tenGigabyteDeclarationFailsBeforeAllocating() {
        // the declared 2.5e9 floats are checked against the 16-byte entry when the pickle names the storage: the test
        // JVM (-Xmx3g) would die allocating 10 GB
        String msg = refused(HOSTILE.resolve("declared-10gb.pt"));
        assertTrue(msg.contains("declares 2500000000 elements = 10000000000 bytes but its entry holds 16 bytes"), msg);
    }

    @Test
    void hostileFilesAreRefusedThroughTheBundleLoaderToo() throws IOException {
        // the same reader behind a diffusers folder: vae/diffusion_pytorch_model.bin is the os.system pickle
        Path vae = Files.createDirectories(tmp.resolve("bundle").resolve("vae"));
        Files.copy(HOSTILE.resolve("os-system.pt"), vae.resolve("diffusion_pytorch_model.bin"));
        Files.copy(CheckpointFixtures.microBundle().resolve("vae/config.json"), vae.resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            WeightLoadException e = assertThrows(WeightLoadException.class, () -> ai.t2vzero.model.vae.AutoencoderKL.load(
                    new ModelBundle(tmp.resolve("bundle")), "vae", m, ai.djl.ndarray.types.DataType.FLOAT32));
            assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
        }
        assertFalse(Files.exists(MARKER), "the payload ran");
    }

    @Test
    void zipWithoutDataPklIsNotACheckpoint() throws IOException {
        Path f = tmp.resolve("other.bin");
        try (OutputStream o = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("hello".getBytes());
            z.closeEntry();
        }
        String msg = refused(f);
        assertTrue(msg.contains("data.pkl"), msg);
    }

    private static String refused(Path file) {
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> TensorSource.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }
}
