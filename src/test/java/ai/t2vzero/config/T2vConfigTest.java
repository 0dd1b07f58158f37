package ai.t2vzero.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The built-in defaults are the documented ones, and application.properties documents every key with its default. */
class T2vConfigTest {

    /** T2vConfig from its @WithDefault values alone (plus overrides), with Quarkus' converters (Path, "24h"). */
    static T2vConfig config(Map<String, String> overrides) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDiscoveredConverters()
                .withSources(new PropertiesConfigSource(overrides, "test", 500))
                .withMapping(T2vConfig.class)
                .build();
        return config.getConfigMapping(T2vConfig.class);
    }

    /**
     * A work directory that cannot be written is refused while the configuration is read, naming the key: before
     * anything (Vert.x' file cache) tries to write below it. (A read-only mount is checked by ReadOnlyRootIT.)
     */
    @Test
    void anUnwritableWorkDirectoryIsRefusedNamingTheKey() throws IOException {
        Path file = java.nio.file.Files.createTempFile("t2v-not-a-dir", ".txt");
        try {
            RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> config(Map.of("t2v.work-dir", file.resolve("work").toString())));
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t.getMessage()).append('\n');
            }
            assertTrue(all.toString().contains("t2v.work-dir (" + file.resolve("work") + ") is not a writable directory"),
                    all.toString());
            assertTrue(all.toString().contains("T2V_WORK_DIR"), all.toString());
            assertEquals(Path.of("some/where"), config(Map.of("t2v.work-dir", "some/where")).workDir(),
                    "a folder still to be created below a writable one is fine");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void defaultsAreTheBriefsValues() {
        T2vConfig c = config(Map.of());
        T2vConfig.Defaults d = c.defaults();
        assertEquals(8, d.videoLength());
        assertEquals(Optional.empty(), d.height());   // the bundle's native size
        assertEquals(Optional.empty(), d.width());
        assertEquals(50, d.numInferenceSteps());
        assertEquals(7.5, d.guidanceScale());
        assertEquals(12.0, d.motionFieldStrengthX());
        assertEquals(12.0, d.motionFieldStrengthY());
        assertEquals(44, d.t0(), "diffusers' pipeline code uses t0=44 (the paper 45)");
        assertEquals(47, d.t1(), "diffusers' pipeline code uses t1=47 (the paper 48)");
        assertEquals(0.0, d.eta());
        assertEquals(8, d.chunkSize());
        assertEquals(0.0, d.mergingRatio(), "token merging off, as the original app's slider starts");
        assertEquals("ddim", d.scheduler());
        assertEquals(4, d.fps());
        assertEquals("mp4", d.format());
        assertEquals(Optional.empty(), d.negativePrompt());
        assertEquals("demo", d.model());

        assertEquals(20, d.edge().numInferenceSteps());
        assertEquals(9.0, d.edge().guidanceScale());
        assertEquals(1.0, d.edge().controlnetConditioningScale());
        assertTrue(d.edge().extractEdges());
        assertEquals(100, d.edge().cannyLow());
        assertEquals(200, d.edge().cannyHigh());
        assertEquals("controlnet-canny-demo", d.edge().controlnet());
        assertEquals(512, d.resolution());
        assertEquals(20, d.pose().numInferenceSteps());
        assertEquals(9.0, d.pose().guidanceScale());
        assertEquals(1.0, d.pose().controlnetConditioningScale());
        assertEquals("controlnet-openpose-demo", d.pose().controlnet());
        assertEquals(50, d.pix2pix().numInferenceSteps());
        assertEquals(7.5, d.pix2pix().guidanceScale());
        assertEquals(1.5, d.pix2pix().imageGuidanceScale());
        assertEquals("pix2pix-demo", d.pix2pix().model());

        assertEquals(Path.of("models"), c.models().dir());
        assertEquals("auto", c.models().device());
        assertEquals("auto", c.models().dtype());
        assertTrue(c.models().createDemo());
        assertFalse(c.models().preload());

        assertEquals(64, c.limits().maxVideoLength());
        assertEquals(1024, c.limits().maxHeight());
        assertEquals(1024, c.limits().maxWidth());
        assertEquals(150, c.limits().maxSteps());

        assertEquals(T2vConfig.Artifacts.Store.LOCAL, c.artifacts().store());
        assertEquals(Optional.empty(), c.artifacts().dir());
        assertEquals(Path.of("work"), c.workDir());
        assertEquals(Optional.empty(), c.artifacts().publicBaseUrl());
        assertEquals(Duration.ofHours(24), c.artifacts().retention());
        assertEquals(Duration.ofMinutes(15), c.artifacts().cleanupInterval());

        assertEquals(Optional.empty(), c.s3().bucket());
        assertEquals(Optional.empty(), c.s3().prefix());
        assertEquals(Optional.empty(), c.s3().endpoint());
        assertEquals("us-east-1", c.s3().region());
        assertFalse(c.s3().pathStyle());
        assertEquals(Duration.ofHours(1), c.s3().presignExpiry());
        assertEquals(16L << 20, c.s3().partSize().asLongValue());
    }

    @Test
    void kebabCaseKeysOverrideDefaults() {
        T2vConfig c = config(Map.of(
                "t2v.defaults.motion-field-strength-x", "3.5",
                "t2v.defaults.negative-prompt", "blurry",
                "t2v.defaults.edge.canny-low", "50",
                "t2v.artifacts.store", "s3",
                "t2v.artifacts.public-base-url", "https://t2v.example.com",
                "t2v.artifacts.retention", "90m",
                "t2v.s3.path-style", "true"));
        assertEquals(3.5, c.defaults().motionFieldStrengthX());
        assertEquals(Optional.of("blurry"), c.defaults().negativePrompt());
        assertEquals(50, c.defaults().edge().cannyLow());
        assertEquals(T2vConfig.Artifacts.Store.S3, c.artifacts().store());
        assertEquals(Optional.of(URI.create("https://t2v.example.com")), c.artifacts().publicBaseUrl());
        assertEquals(Duration.ofMinutes(90), c.artifacts().retention());
        assertTrue(c.s3().pathStyle());
    }

    /**
     * Every key of the mapping appears in application.properties as a commented line {@code #t2v.key=default}
     * (empty for keys without default), and no such line names a key that does not exist or another value.
     */
    @Test
    void applicationPropertiesDocumentsEveryKeyWithItsDefault() throws IOException {
        // every t2v.* mapping of the app: T2vConfig, the input settings of the conditional modes, jobs and events
        Map<String, ConfigMappingInterface.Property> properties = new LinkedHashMap<>(
                ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(T2vConfig.class, "t2v")));
        properties.putAll(ConfigMappings.getProperties(
                ConfigMappings.ConfigClass.configClass(ai.t2vzero.input.InputsConfig.class, "t2v.inputs")));
        properties.putAll(ConfigMappings.getProperties(
                ConfigMappings.ConfigClass.configClass(ai.t2vzero.config.JobsConfig.class, "t2v.jobs")));
        properties.putAll(ConfigMappings.getProperties(
                ConfigMappings.ConfigClass.configClass(ai.t2vzero.job.EventsConfig.class, "t2v.events")));
        properties.putAll(ConfigMappings.getProperties(
                ConfigMappings.ConfigClass.configClass(ai.t2vzero.auth.AuthConfig.class, "t2v.auth")));
        Map<String, String> expected = new LinkedHashMap<>();
        properties.forEach((name, p) -> {
            if ((p.isLeaf() || p.isPrimitive() || p.isOptional()) && !name.endsWith("[*]")) {
                expected.put(name, p.hasDefaultValue() ? p.getDefaultValue() : "");
            }
        });
        assertTrue(expected.containsKey("t2v.defaults.motion-field-strength-x"), expected.keySet().toString());

        String text;
        try (InputStream in = T2vConfigTest.class.getResourceAsStream("/application.properties")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#(t2v\\.[a-z0-9.-]+)=(.*)$").matcher(text);
        while (m.find()) {
            documented.put(m.group(1), m.group(2).strip());
        }
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(documented.keySet()),
                "keys of T2vConfig vs keys documented in application.properties");
        expected.forEach((key, value) -> assertEquals(value, documented.get(key), "documented default of " + key));
        assertFalse(Pattern.compile("(?m)^t2v\\.").matcher(text).find(),
                "t2v.* defaults live in T2vConfig's @WithDefault only, not as active lines of application.properties");
    }
}
