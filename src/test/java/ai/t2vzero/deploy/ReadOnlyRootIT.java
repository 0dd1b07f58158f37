package ai.t2vzero.deploy;

import ai.t2vzero.video.VideoInfo;
import ai.t2vzero.video.VideoReader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app on a read-only root, as the Knative Service runs it ({@code readOnlyRootFilesystem: true}, one
 * volume at {@code t2v.work-dir}): the app folder ({@code target/quarkus-app}, also the working directory), the user's
 * home and {@code java.io.tmpdir} are mounted read-only, so the only place the service can write is the work
 * directory. It starts, takes an upload, generates a video on the demo bundle (written on first use) and serves it;
 * with the work directory read-only as well it refuses to start, naming {@code t2v.work-dir}.
 *
 * <p>Read-only mounts are made in a private mount namespace ({@code unshare -m}, then a read-only bind mount): a
 * plain chmod stops nobody when the build runs as root, as CI does. Where the namespace cannot be made (no
 * CAP_SYS_ADMIN, e.g. an unprivileged container), the test is skipped with that reason.
 */
class ReadOnlyRootIT {

    static final Path BASE = Path.of("target/read-only-it").toAbsolutePath();
    static final Path APP = Path.of("target/quarkus-app").toAbsolutePath();
    /** home/ and tmp/ of the "image": read-only like the app folder. */
    static final Path IMAGE = BASE.resolve("image");
    static final Path WORK = BASE.resolve("work");
    static final String JOB = PackagedAppIT.JOB;

    @BeforeAll
    static void readOnlyMountsWork() throws IOException, InterruptedException {
        Files.createDirectories(IMAGE.resolve("home"));
        Files.createDirectories(IMAGE.resolve("tmp"));
        Files.createDirectories(IMAGE.resolve("models"));
        Path probe = BASE.resolve("probe");
        Files.createDirectories(probe);
        Process p = new ProcessBuilder("unshare", "-m", "sh", "-c", readOnly(probe) + " && ! touch " + probe
                + "/written 2>/dev/null").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        Assumptions.assumeTrue(done && p.exitValue() == 0, "skipped: cannot make a read-only bind mount in a private "
                + "mount namespace here (unshare -m needs CAP_SYS_ADMIN): " + out.strip());
        assertFalse(Files.exists(probe.resolve("written")), "the probe's read-only mount took a write");
        assertTrue(Files.isRegularFile(APP.resolve("quarkus-run.jar")), "package the app first (mvn package)");
    }

    @Test
    void servesAVideoWithOnlyTheWorkDirectoryWritable() throws Exception {
        deleteTree(WORK);
        Files.createDirectories(WORK);
        int port = freePort();
        Path log = BASE.resolve("app.log");
        Process app = start(WORK, port, log);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;
            awaitReady(http, base, app, log);

            // an upload lands in <work>/uploads
            HttpResponse<String> upload = http.send(HttpRequest.newBuilder(URI.create(base + "/uploads"))
                    .header("Content-Type", "video/mp4").POST(HttpRequest.BodyPublishers.ofByteArray(fakeMp4()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, upload.statusCode(), upload.body());

            // a video on the demo bundle (written below the work directory on first use), served back
            HttpResponse<String> job = http.send(HttpRequest.newBuilder(URI.create(base + "/text-to-video"))
                    .header("Content-Type", "application/json").timeout(Duration.ofMinutes(8))
                    .POST(HttpRequest.BodyPublishers.ofString(JOB)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, job.statusCode(), job.body() + "\n" + tail(log));
            String url = job.body().replaceAll("(?s).*\"url\":\"([^\"]+)\".*", "$1");
            HttpResponse<byte[]> mp4 = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, mp4.statusCode());
            Path f = BASE.resolve("video.mp4");
            Files.write(f, mp4.body());
            VideoInfo info = new VideoReader(f).info();
            assertEquals("h264", info.codec());
            assertEquals(2, info.frameCount());

            // everything it wrote is below the work directory
            for (String sub : List.of("uploads", "artifacts", "models/demo", "tmp")) {
                assertTrue(Files.isDirectory(WORK.resolve(sub)), sub + " under the work directory:\n" + listing(WORK));
            }
            try (Stream<Path> s = Files.list(WORK.resolve("artifacts"))) {
                assertTrue(s.anyMatch(p -> p.getFileName().toString().endsWith(".mp4")), listing(WORK));
            }
            assertEquals(List.of(), entries(IMAGE.resolve("home")), "nothing in the read-only home");
            assertEquals(List.of(), entries(IMAGE.resolve("tmp")), "nothing in the read-only java.io.tmpdir");
        } finally {
            stop(app);
        }
        assertFalse(tail(log).contains("Read-only file system"), "no write was attempted outside the work directory:\n"
                + tail(log));
    }

    @Test
    void refusesToStartWhenTheWorkDirectoryIsNotWritable() throws Exception {
        Path readOnlyWork = IMAGE.resolve("work");               // inside the read-only mount
        Files.createDirectories(readOnlyWork);
        Path log = BASE.resolve("refused.log");
        Process app = start(readOnlyWork, freePort(), log);
        if (!app.waitFor(3, TimeUnit.MINUTES)) {
            stop(app);
            throw new AssertionError("the app kept running with a read-only work directory:\n" + tail(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertNotEquals(0, app.exitValue(), out);
        assertTrue(out.contains("t2v.work-dir (" + readOnlyWork + ") is not a writable directory"), out);
        assertTrue(out.contains("T2V_WORK_DIR"), "the message names the environment form too:\n" + out);
    }

    // ---- helpers

    /** Shell commands making {@code dir} a read-only bind mount of itself (in the current mount namespace). */
    private static String readOnly(Path dir) {
        return "mount --bind '" + dir + "' '" + dir + "' && mount -o remount,bind,ro '" + dir + "' '" + dir + "'";
    }

    /**
     * {@code java -jar quarkus-run.jar} in a private mount namespace where the app folder and the image folder are
     * read-only, with the app folder as working directory, home and java.io.tmpdir in the image folder, and the
     * work directory from {@code T2V_WORK_DIR}, as in the container.
     */
    private static Process start(Path work, int port, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = readOnly(APP) + " && " + readOnly(IMAGE) + " && cd '" + APP + "' && exec '" + java + "'"
                + " -Xmx2g -Dai.djl.offline=true -Duser.home='" + IMAGE.resolve("home") + "'"
                + " -Djava.io.tmpdir='" + IMAGE.resolve("tmp") + "' -Dquarkus.http.port=" + port
                + " -Djava.util.logging.manager=org.jboss.logmanager.LogManager -jar quarkus-run.jar";
        ProcessBuilder pb = new ProcessBuilder("unshare", "-m", "sh", "-c", cmd)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("T2V_WORK_DIR", work.toString());
        // the image's (empty, read-only) models folder, as the Dockerfiles make /models: the demo goes to the work dir
        pb.environment().put("T2V_MODELS_DIR", IMAGE.resolve("models").toString());
        pb.environment().put("HOME", IMAGE.resolve("home").toString());
        // the defaults are under test: no cache folders chosen by the environment
        List.of("ENGINE_CACHE_DIR", "DJL_CACHE_DIR", "T2V_ARTIFACTS_DIR", "T2V_INPUTS_UPLOADS_DIR")
                .forEach(pb.environment()::remove);
        pb.environment().put("OMP_NUM_THREADS", "2");
        return pb.start();
    }

    private static void awaitReady(HttpClient http, String base, Process app, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                throw new AssertionError("the app stopped (exit " + app.exitValue() + "):\n" + tail(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not ready within 4 minutes:\n" + tail(log));
    }

    private static void stop(Process app) throws InterruptedException {
        app.destroy();                                            // SIGTERM: java is the exec'd process itself
        if (!app.waitFor(60, TimeUnit.SECONDS)) {
            app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An ISO BMFF ftyp box and filler: passes the upload's container sniffing. */
    private static byte[] fakeMp4() {
        byte[] b = new byte[8192];
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's',
                'o', '2'};
        System.arraycopy(ftyp, 0, b, 0, ftyp.length);
        return b;
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static String listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, 3)) {
            return String.join("\n", s.map(p -> dir.relativize(p).toString()).toList());
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(all::add);
        }
        for (Path p : all) {
            Files.delete(p);
        }
    }
}
