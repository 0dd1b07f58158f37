package ai.t2vzero.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalArtifactStoreTest {

    @TempDir
    Path dir;

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void putStoresUnderAnUnguessableIdWithTheExtension() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir);
        byte[] content = bytes(10_000);
        Artifact a = store.put(new ByteArrayInputStream(content), "video/mp4", "mp4");

        assertTrue(a.id().matches("[0-9a-f]{32}\\.mp4"), a.id());
        assertEquals("video/mp4", a.contentType());
        assertEquals(content.length, a.size());
        assertTrue(a.etag().matches("\"[0-9a-f]+-[0-9a-f]+\""), a.etag());
        assertEquals(List.of(a.id()), names(), "only the artifact itself, no temporary file");
        assertArrayEquals(content, Files.readAllBytes(dir.resolve(a.id())));
        try (InputStream in = store.open(a.id())) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertEquals(a, store.find(a.id()).orElseThrow());
        assertEquals(List.of(a), store.list());
        assertEquals("https://h.example/p/artifacts/" + a.id(), store.url(a, "https://h.example/p/"));
    }

    @Test
    void contentTypeComesFromTheExtension() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir);
        Path gif = Files.write(dir.resolve("in.bin"), bytes(5));
        Artifact a = store.put(gif, null, ".GIF");
        assertTrue(a.id().matches("[0-9a-f]{32}\\.gif"), a.id());
        assertEquals("image/gif", store.find(a.id()).orElseThrow().contentType());
        assertTrue(Files.exists(gif), "put(Path) leaves the source alone");

        assertThrows(IllegalArgumentException.class, () -> store.put(new ByteArrayInputStream(bytes(3)), null, "exe"));
        assertThrows(IllegalArgumentException.class,
                () -> store.put(new ByteArrayInputStream(bytes(3)), "image/gif", "mp4"));
        assertEquals(List.of(a.id(), "in.bin"), names(), "rejected puts leave nothing behind");
    }

    @Test
    void idsAre128RandomBitsAndNeverRepeat() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir);
        Set<String> ids = new HashSet<>();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String id = store.put(new ByteArrayInputStream(bytes(1)), null, "mp4").id();
            ids.add(id);
            list.add(id);
        }
        assertEquals(64, ids.size());
        // no counter or timestamp inside: consecutive ids share no long prefix and all hex digits occur
        for (int i = 1; i < list.size(); i++) {
            assertFalse(list.get(i).regionMatches(0, list.get(i - 1), 0, 6), list.get(i - 1) + " " + list.get(i));
        }
        Set<Character> digits = new HashSet<>();
        list.forEach(id -> id.substring(0, 32).chars().forEach(c -> digits.add((char) c)));
        assertEquals(16, digits.size());
    }

    @Test
    void partialContentIsNeverVisibleUnderAnId() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir);
        byte[] content = bytes(100_000);
        List<String> seenMidWrite = new ArrayList<>();
        List<Artifact> listedMidWrite = new ArrayList<>();
        ByteArrayInputStream source = new ByteArrayInputStream(content);
        InputStream slow = new InputStream() { // not a ByteArrayInputStream: its transferTo skips read()
            int calls;

            @Override
            public int read() {
                return source.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (calls++ == 1) { // after the first chunk was written
                    try {
                        seenMidWrite.addAll(names());
                        listedMidWrite.addAll(store.list());
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }
                return source.read(b, off, Math.min(len, 8192));
            }
        };
        Artifact a = store.put(slow, null, "mp4");

        assertEquals(1, seenMidWrite.size(), seenMidWrite.toString());
        String temp = seenMidWrite.get(0);
        assertTrue(temp.startsWith(LocalArtifactStore.TEMP_PREFIX), temp);
        assertNotEquals(a.id(), temp);
        assertEquals(List.of(), listedMidWrite, "a write in progress is not listed");
        assertTrue(store.find(temp).isEmpty(), "the temporary name is not an id");
        assertThrows(NoSuchFileException.class, () -> store.open(temp));
        assertEquals(List.of(a.id()), names(), "the temporary file became the artifact");
    }

    @Test
    void failedPutDeletesItsTemporaryFile() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir);
        InputStream failing = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) {
                    throw new IOException("encoder died");
                }
                return 1;
            }
        };
        IOException e = assertThrows(IOException.class, () -> store.put(failing, null, "mp4"));
        assertEquals("encoder died", e.getMessage());
        assertEquals(List.of(), names());
        assertEquals(List.of(), store.list());
    }

    @Test
    void malformedIdsAndTraversalFindNothing() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir.resolve("store"));
        Files.write(dir.resolve("secret.mp4"), bytes(4));
        String valid = store.put(new ByteArrayInputStream(bytes(4)), null, "mp4").id();
        for (String id : new String[] {"../secret.mp4", "..", ".", "", valid.toUpperCase(), valid + "/", "/" + valid,
                "x" + valid, valid.substring(1), "../store/" + valid, valid.replace(".mp4", ""), null}) {
            assertTrue(store.find(id).isEmpty(), "find " + id);
            assertFalse(id != null && store.delete(id), "delete " + id);
            if (id != null) {
                assertThrows(NoSuchFileException.class, () -> store.open(id), "open " + id);
            }
        }
        assertTrue(Files.exists(dir.resolve("secret.mp4")));
        assertTrue(store.delete(valid));
        assertFalse(store.delete(valid));
        assertTrue(store.find(valid).isEmpty());
    }

    @Test
    void retentionDeletesOldArtifactsAndAbandonedTempFilesOnly() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(dir);
        Instant now = Instant.now();
        FileTime old = FileTime.from(now.minus(Duration.ofHours(25)));
        Artifact old1 = store.put(new ByteArrayInputStream(bytes(3)), null, "mp4");
        Artifact old2 = store.put(new ByteArrayInputStream(bytes(3)), null, "gif");
        Artifact fresh = store.put(new ByteArrayInputStream(bytes(3)), null, "mp4");
        Files.setLastModifiedTime(dir.resolve(old1.id()), old);
        Files.setLastModifiedTime(dir.resolve(old2.id()), old);
        Path oldTemp = Files.write(dir.resolve(LocalArtifactStore.TEMP_PREFIX + "abandoned.part"), bytes(2));
        Files.setLastModifiedTime(oldTemp, old);
        Path freshTemp = Files.write(dir.resolve(LocalArtifactStore.TEMP_PREFIX + "writing.part"), bytes(2));
        Path foreign = Files.write(dir.resolve("README.txt"), bytes(2));
        Files.setLastModifiedTime(foreign, old);

        int deleted = store.deleteCreatedBefore(now.minus(Duration.ofHours(24)));

        assertEquals(2, deleted);
        List<String> left = names();
        assertEquals(List.of(freshTemp.getFileName().toString(), fresh.id(), "README.txt").stream().sorted().toList(),
                left);
        assertEquals(List.of(fresh), store.list());
        assertEquals(0, store.deleteCreatedBefore(now.minus(Duration.ofHours(24))));
    }
}
