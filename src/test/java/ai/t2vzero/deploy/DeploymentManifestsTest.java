package ai.t2vzero.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Static checks of the deployment files against each other and against the app's sources: the Knative
 * manifests under {@code knative/} (one resource per file, kustomize base + overlays, example events) and the
 * Dockerfiles under {@code deploy/}. No cluster, no Docker engine: everything is read from the working tree.
 *
 * <p>Function names come from the {@code @Funq} annotations under {@code src/main/java}; while there are none
 * yet, the four documented modes stand in. Config keys come from {@code application.properties}; while it has
 * no {@code t2v.*} key yet, the documented keys stand in.
 */
class DeploymentManifestsTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    private static final Path KNATIVE = ROOT.resolve("knative");
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final Path PACKAGED_APP = ROOT.resolve("target/quarkus-app");

    private static final String SERVICE_NAME = "t2vzero";
    private static final String CONFIG_MAP_NAME = "t2vzero-config";
    private static final String MODELS_CLAIM = "t2vzero-models";
    private static final String GPU_RESOURCE = "nvidia.com/gpu";

    /** The four modes of the issue; used only while no {@code @Funq} exists in the sources. */
    private static final List<String> DOCUMENTED_FUNCTIONS =
            List.of("text-to-video", "pose-to-video", "edge-to-video", "video-pix2pix");

    /** The keys of the issue; used only while application.properties has no {@code t2v.*} key. */
    private static final List<String> DOCUMENTED_CONFIG_KEYS = List.of(
            "t2v.models.dir", "t2v.models.device", "t2v.models.dtype",
            "t2v.artifacts.store", "t2v.artifacts.dir", "t2v.artifacts.public-base-url",
            "t2v.s3.bucket", "t2v.s3.prefix", "t2v.s3.endpoint", "t2v.s3.region", "t2v.s3.path-style",
            "t2v.s3.presign-expiry");

    private static final Pattern FUNQ_NAMED =
            Pattern.compile("@Funq\\s*\\(\\s*(?:value\\s*=\\s*)?\"([^\"]+)\"\\s*\\)");
    // @Funq or @Funq() on a method: the function is named after the method
    private static final Pattern FUNQ_BARE = Pattern.compile(
            "@Funq\\b(?:\\s*\\(\\s*\\))?\\s+(?:@[\\w.]+(?:\\([^)]*\\))?\\s+)*"
                    + "(?:(?:public|protected|private|static|final|synchronized)\\s+)*[\\w.<>\\[\\]?, ]+?\\s+(\\w+)\\s*\\(");
    private static final Pattern CONFIG_KEY_LINE =
            Pattern.compile("^\\s*#?\\s*(?:%[\\w-]+\\.)?(t2v\\.[A-Za-z0-9.\\-_\"]+)\\s*[=:]");

    // ------------------------------------------------------------------ manifests: shape of every file

    @Test
    void everyYamlFileIsOneResourceWithApiVersionKindAndName() {
        List<Path> files = yamlFiles(KNATIVE);
        assertFalse(files.isEmpty(), "no YAML under " + KNATIVE);
        for (Path f : files) {
            List<Object> docs = loadAll(f);
            assertEquals(1, docs.size(), rel(f) + ": one resource per file, found " + docs.size() + " documents");
            Map<String, Object> doc = asMap(docs.get(0), rel(f));
            for (String key : List.of("apiVersion", "kind")) {
                assertTrue(doc.get(key) instanceof String s && !s.isBlank(), rel(f) + ": missing " + key);
            }
            Object name = asMap(doc.get("metadata"), rel(f) + " metadata").get("name");
            assertTrue(name instanceof String s && !s.isBlank(), rel(f) + ": missing metadata.name");
        }
    }

    @Test
    void labelsAnnotationsAndConfigMapDataAreStrings() {
        // Kubernetes rejects non-string values here: an unquoted 0, 5 or true in YAML is not a string
        for (Resource r : resources(KNATIVE)) {
            checkStringValues(r, r.map("metadata"));
            if ("Service".equals(r.kind()) && r.doc().get("spec") instanceof Map<?, ?> spec
                    && spec.get("template") instanceof Map<?, ?> template) {
                checkStringValues(r, template.get("metadata") instanceof Map<?, ?> m ? cast(m) : Map.of());
            }
            if ("ConfigMap".equals(r.kind()) && r.doc().get("data") instanceof Map<?, ?> data) {
                data.forEach((k, v) -> assertInstanceOf(String.class, v,
                        r + ": data." + k + " must be a quoted string, got " + v));
            }
        }
    }

    private static void checkStringValues(Resource r, Map<String, Object> metadata) {
        for (String field : List.of("labels", "annotations")) {
            if (metadata.get(field) instanceof Map<?, ?> m) {
                m.forEach((k, v) -> assertInstanceOf(String.class, v,
                        r + ": " + field + "." + k + " must be a quoted string, got " + v));
            }
        }
    }

    // ------------------------------------------------------------------ the Service

    @Test
    void serviceServesOneRequestPerPodOnPort8080() {
        Map<String, Object> spec = templateSpec(service());
        assertEquals(1, spec.get("containerConcurrency"), "containerConcurrency");
        Object timeout = spec.get("timeoutSeconds");
        assertEquals(900, timeout, "timeoutSeconds (long generations)");
        if (spec.get("responseStartTimeoutSeconds") instanceof Integer start) {
            assertTrue(start >= (Integer) timeout, "responseStartTimeoutSeconds < timeoutSeconds cuts jobs short");
        }
        // Knative rejects it and derives the pod's grace period from timeoutSeconds
        assertFalse(spec.containsKey("terminationGracePeriodSeconds"),
                "terminationGracePeriodSeconds may not be set on a Knative Service");

        Map<String, Object> c = container(service());
        List<Map<String, Object>> ports = listOfMaps(c.get("ports"), "ports");
        assertEquals(1, ports.size(), "Knative serves one port");
        assertEquals(8080, ports.get(0).get("containerPort"), "containerPort");
        assertEquals("http1", ports.get(0).get("name"), "port name");

        boolean fromConfigMap = listOfMaps(c.getOrDefault("envFrom", List.of()), "envFrom").stream()
                .anyMatch(e -> e.get("configMapRef") instanceof Map<?, ?> ref && CONFIG_MAP_NAME.equals(ref.get("name")));
        assertTrue(fromConfigMap, "envFrom configMapRef " + CONFIG_MAP_NAME);
        assertNotNull(resource("ConfigMap", CONFIG_MAP_NAME, KNATIVE.resolve("base")), "ConfigMap in base");
    }

    @Test
    void serviceScalesOnConcurrencyFromZeroToFour() {
        Map<String, Object> annotations = asMap(
                asMap(asMap(service().map("spec").get("template"), "template").get("metadata"), "template.metadata")
                        .get("annotations"), "template annotations");
        assertEquals("0", annotations.get("autoscaling.knative.dev/min-scale"));
        assertEquals("4", annotations.get("autoscaling.knative.dev/max-scale"));
        assertEquals("1", annotations.get("autoscaling.knative.dev/target"));
        assertEquals("concurrency", annotations.get("autoscaling.knative.dev/metric"));
        assertEquals("5m", annotations.get("autoscaling.knative.dev/scale-to-zero-pod-retention-period"));
        assertTrue(annotations.containsKey("autoscaling.knative.dev/initial-scale"), "initial-scale");

        // a revision that is not Ready within the progress deadline fails: it must outlast the startup probe
        Map<String, Object> startup = asMap(container(service()).get("startupProbe"), "startupProbe");
        int startupBudget = (Integer) startup.get("failureThreshold") * (Integer) startup.getOrDefault("periodSeconds", 10);
        if (annotations.get("serving.knative.dev/progress-deadline") instanceof String deadline) {
            assertTrue(seconds(deadline) > startupBudget,
                    "progress-deadline " + deadline + " must exceed the startup probe's " + startupBudget + " s");
        }
    }

    @Test
    void inFlightJobsGetTheirShutdownTimeWithinThePodsGracePeriod() throws IOException {
        java.util.Properties props = new java.util.Properties();
        try (var in = Files.newBufferedReader(ROOT.resolve("src/main/resources/application.properties"))) {
            props.load(in);
        }
        // Quarkus fires the event that makes new jobs get 503 only with delay-enabled (a build-time switch)
        assertEquals("true", props.getProperty("quarkus.shutdown.delay-enabled"), "quarkus.shutdown.delay-enabled");
        String timeout = props.getProperty("quarkus.shutdown.timeout");
        assertNotNull(timeout, "quarkus.shutdown.timeout: without it Quarkus does not wait for running jobs");
        long shutdownSeconds = java.time.Duration.parse("PT" + timeout).toSeconds();
        // Knative makes the pod's termination grace period the revision's timeoutSeconds
        int grace = (Integer) templateSpec(service()).get("timeoutSeconds");
        assertTrue(shutdownSeconds < grace, "quarkus.shutdown.timeout " + timeout
                + " must end before the kubelet's SIGKILL after timeoutSeconds " + grace);
        assertTrue(shutdownSeconds >= grace - 60, "quarkus.shutdown.timeout " + timeout
                + " should let a job of nearly timeoutSeconds " + grace + " finish");
    }

    @Test
    void probesUseQuarkusHealthEndpoints() {
        Map<String, Object> c = container(service());
        assertEquals("/q/health/started", probePath(c, "startupProbe"));
        assertEquals("/q/health/ready", probePath(c, "readinessProbe"));
        assertEquals("/q/health/live", probePath(c, "livenessProbe"));
        Map<String, Object> startup = asMap(c.get("startupProbe"), "startupProbe");
        int budget = (Integer) startup.get("failureThreshold") * (Integer) startup.getOrDefault("periodSeconds", 10);
        assertTrue(budget >= 300, "startup probe allows only " + budget + " s for loading models");
    }

    @Test
    void modelsComeReadOnlyFromThePvcAndPathsMatchTheConfigMap() {
        Map<String, Object> spec = templateSpec(service());
        Map<String, Object> c = container(service());
        Map<String, Map<String, Object>> volumes = byName(listOfMaps(spec.get("volumes"), "volumes"));
        Map<String, Map<String, Object>> mounts = byMountPath(listOfMaps(c.get("volumeMounts"), "volumeMounts"));
        Map<String, Object> data = asMap(resource("ConfigMap", CONFIG_MAP_NAME, KNATIVE.resolve("base")).doc().get("data"),
                "ConfigMap data");

        String modelsPath = (String) data.get("T2V_MODELS_DIR");
        Map<String, Object> modelsMount = mounts.get(modelsPath);
        assertNotNull(modelsMount, "no volumeMount at T2V_MODELS_DIR=" + modelsPath);
        assertEquals(Boolean.TRUE, modelsMount.get("readOnly"), "models mount must be readOnly");
        Map<String, Object> modelsVolume = volumes.get((String) modelsMount.get("name"));
        Map<String, Object> claim = asMap(modelsVolume.get("persistentVolumeClaim"), "models volume persistentVolumeClaim");
        assertEquals(MODELS_CLAIM, claim.get("claimName"));
        // Knative refuses a writable PVC unless kubernetes.podspec-persistent-volume-write is enabled
        assertEquals(Boolean.TRUE, claim.get("readOnly"), "models PVC volume must be readOnly");
        assertNotNull(resource("PersistentVolumeClaim", MODELS_CLAIM, KNATIVE.resolve("base")), "PVC in base");

        // every writable path defaults below the work directory: no separate artifacts or home volume, and no
        // T2V_*_DIR that moves a writable folder elsewhere (the models folder is read-only)
        assertNull(data.get("T2V_ARTIFACTS_DIR"), "artifacts go below T2V_WORK_DIR (t2v.artifacts.dir unset)");
        assertNull(data.get("T2V_INPUTS_UPLOADS_DIR"), "uploads go below T2V_WORK_DIR");
        for (Map<String, Object> m : mounts.values()) {
            String path = (String) m.get("mountPath");
            assertTrue(Boolean.TRUE.equals(m.get("readOnly")) || path.equals(data.get("T2V_WORK_DIR"))
                    || path.equals("/tmp"), "writable mount other than the work directory (and the JVM's /tmp): " + path);
        }
        for (Map<String, Object> m : mounts.values()) {
            assertTrue(volumes.containsKey((String) m.get("name")), "mount of undeclared volume " + m.get("name"));
        }
    }

    @Test
    void gpuOverlayRequestsOneGpuAndCpuOverlayNone() {
        Path gpu = KNATIVE.resolve("overlays/gpu");
        Path cpu = KNATIVE.resolve("overlays/cpu");
        assertTrue(Files.isRegularFile(gpu.resolve("kustomization.yaml")), "gpu overlay");
        assertTrue(Files.isRegularFile(cpu.resolve("kustomization.yaml")), "cpu overlay");
        List<Object> gpuPatches = patchContents(gpu);
        assertTrue(gpuPatches.stream().anyMatch(p -> requestsGpu(p, null)),
                "the gpu overlay must set resources.limits." + GPU_RESOURCE + " on the Service");
        assertTrue(gpuPatches.stream().anyMatch(p -> containsKey(p, "nodeSelector") || containsKey(p, "tolerations")
                        || containsPathEnding(p, "/nodeSelector") || containsPathEnding(p, "/tolerations")),
                "the gpu overlay must place pods on GPU nodes (nodeSelector or tolerations)");
        assertFalse(patchContents(cpu).stream().anyMatch(p -> requestsGpu(p, null)), "the cpu overlay asks for a GPU");
        assertFalse(resources(KNATIVE.resolve("base")).stream().anyMatch(r -> requestsGpu(r.doc(), null)),
                "the base must not ask for a GPU");
    }

    // ------------------------------------------------------------------ eventing

    @Test
    void oneTriggerPerFunctionFilteringItsType() {
        Set<String> functions = functionNames();
        Map<String, List<Resource>> byType = new TreeMap<>();
        for (Resource t : resources(KNATIVE)) {
            if (!"Trigger".equals(t.kind()) || !subscribesTo(t, SERVICE_NAME)) {
                continue;
            }
            Object type = asMap(asMap(t.map("spec").get("filter"), t + " filter").get("attributes"), t + " filter.attributes")
                    .get("type");
            assertInstanceOf(String.class, type, t + ": filter.attributes.type");
            byType.computeIfAbsent((String) type, k -> new ArrayList<>()).add(t);
            assertEquals("default", t.map("spec").get("broker"), t + ": broker");
            assertEquals("trigger-" + type + ".yaml", t.file().getFileName().toString(), t + ": file name");
        }
        Set<String> withoutTrigger = new TreeSet<>(functions);
        withoutTrigger.removeAll(byType.keySet());
        Set<String> withoutFunction = new TreeSet<>(byType.keySet());
        withoutFunction.removeAll(functions);
        assertTrue(withoutTrigger.isEmpty() && withoutFunction.isEmpty(), "functions without a Trigger: " + withoutTrigger
                + "; Triggers to " + SERVICE_NAME + " for no function: " + withoutFunction + " (functions: " + functions + ")");
        byType.forEach((type, ts) -> assertEquals(1, ts.size(), "Triggers for " + type + ": " + ts));
        assertNotNull(resource("Broker", "default", KNATIVE.resolve("base")), "Broker default in base");
    }

    @Test
    void replyConsumersFilterAFunctionsOutputType() {
        Set<String> functions = functionNames();
        List<Resource> consumers = resources(KNATIVE).stream()
                .filter(r -> "Trigger".equals(r.kind()) && !subscribesTo(r, SERVICE_NAME)).toList();
        assertFalse(consumers.isEmpty(), "no example consumer of the replies");
        for (Resource t : consumers) {
            String type = (String) asMap(asMap(t.map("spec").get("filter"), t + " filter").get("attributes"), t + "")
                    .get("type");
            assertTrue(type != null && type.endsWith(".output")
                            && functions.contains(type.substring(0, type.length() - ".output".length())),
                    t + ": filters " + type + ", not <function>.output");
        }
    }

    @Test
    void exampleEventsAreStructuredCloudEventsForAFunction() throws IOException {
        Set<String> functions = functionNames();
        List<Path> events;
        try (Stream<Path> s = Files.list(KNATIVE.resolve("examples"))) {
            events = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        ObjectMapper json = new ObjectMapper();
        Set<String> covered = new TreeSet<>();
        for (Path f : events) {
            JsonNode e = json.readTree(f.toFile());
            assertEquals("1.0", e.path("specversion").asText(), rel(f) + ": specversion");
            for (String attr : List.of("id", "source", "type")) {
                assertFalse(e.path(attr).asText().isBlank(), rel(f) + ": " + attr);
            }
            String type = e.path("type").asText();
            assertTrue(functions.contains(type), rel(f) + ": type " + type + " is not a function " + functions);
            assertEquals(type + ".json", f.getFileName().toString(), rel(f) + ": file name");
            assertEquals("application/json", e.path("datacontenttype").asText(), rel(f) + ": datacontenttype");
            assertTrue(e.path("data").isObject(), rel(f) + ": data must be an object");
            assertFalse(e.path("data").path("prompt").asText().isBlank(), rel(f) + ": data.prompt");
            covered.add(type);
        }
        assertEquals(functions, covered, "one example event per function");
    }

    /**
     * The job deadline (T2V_JOBS_TIMEOUT in the ConfigMap, else the app's default) fits inside the Service's
     * timeoutSeconds and quarkus.shutdown.timeout, and every Trigger to the Service waits for at least that long,
     * retries with a backoff policy and has a dead-letter sink that exists.
     */
    @Test
    void jobDeadlineFitsTheServiceTriggersAndShutdown() throws IOException {
        Resource config = resource("ConfigMap", "t2vzero-config", KNATIVE.resolve("base"));
        assertNotNull(config, "ConfigMap t2vzero-config");
        Object configured = asMap(config.doc().get("data"), config + " data").get("T2V_JOBS_TIMEOUT");
        long jobSeconds = configured != null
                ? java.time.Duration.parse("PT" + configured).toSeconds()
                : java.time.Duration.ofMinutes(30).toSeconds(); // JobsConfig's default
        int serviceTimeout = (Integer) templateSpec(service()).get("timeoutSeconds");
        assertTrue(jobSeconds < serviceTimeout, "T2V_JOBS_TIMEOUT " + jobSeconds + " s must end before the Service's"
                + " timeoutSeconds " + serviceTimeout + " cuts a synchronous caller off");
        java.util.Properties props = new java.util.Properties();
        try (var in = Files.newInputStream(ROOT.resolve("src/main/resources/application.properties"))) {
            props.load(in);
        }
        long shutdown = java.time.Duration.parse("PT" + props.getProperty("quarkus.shutdown.timeout")).toSeconds();
        assertTrue(jobSeconds <= shutdown, "a job of T2V_JOBS_TIMEOUT " + jobSeconds + " s should be able to finish"
                + " within quarkus.shutdown.timeout " + shutdown + " s");
        int triggers = 0;
        for (Resource t : resources(KNATIVE)) {
            if (!"Trigger".equals(t.kind()) || !subscribesTo(t, SERVICE_NAME)) {
                continue;
            }
            triggers++;
            Map<String, Object> delivery = asMap(t.map("spec").get("delivery"), t + " delivery");
            long timeout = java.time.Duration.parse((String) delivery.get("timeout")).toSeconds();
            assertTrue(timeout >= jobSeconds && timeout <= serviceTimeout, t + ": delivery.timeout " + timeout
                    + " s must outlast a job (" + jobSeconds + " s) within timeoutSeconds (" + serviceTimeout + " s)");
            assertTrue(delivery.get("retry") instanceof Integer r && r >= 1, t + ": delivery.retry >= 1");
            assertTrue(List.of("linear", "exponential").contains(delivery.get("backoffPolicy")), t + ": backoffPolicy");
            assertNotNull(delivery.get("backoffDelay"), t + ": backoffDelay");
            Map<String, Object> dls = asMap(delivery.get("deadLetterSink"), t + " deadLetterSink");
            Map<String, Object> ref = asMap(dls.get("ref"), t + " deadLetterSink.ref");
            assertNotNull(resource((String) ref.get("kind"), (String) ref.get("name"), KNATIVE.resolve("base")),
                    t + ": deadLetterSink " + ref + " is not in knative/base");
        }
        assertEquals(functionNames().size(), triggers, "one Trigger per function");
    }

    /**
     * The asynchronous example: a SinkBinding points the Service's K_SINK at the Broker, a Trigger consumes
     * text-to-video.output, and the example keeps a pod (min-scale 1) so that a job outlives its request.
     */
    @Test
    void asyncExampleBindsTheServiceToTheBrokerAndConsumesOutputs() {
        Path async = KNATIVE.resolve("examples/async");
        Resource binding = resources(async).stream().filter(r -> "SinkBinding".equals(r.kind())).findFirst().orElse(null);
        assertNotNull(binding, "a SinkBinding in knative/examples/async");
        Map<String, Object> subject = asMap(binding.map("spec").get("subject"), binding + " subject");
        assertEquals("Service", subject.get("kind"));
        assertEquals(SERVICE_NAME, subject.get("name"));
        Map<String, Object> sink = asMap(asMap(binding.map("spec").get("sink"), binding + " sink").get("ref"), "sink.ref");
        assertNotNull(resource((String) sink.get("kind"), (String) sink.get("name"), KNATIVE.resolve("base")),
                binding + ": sink " + sink + " is not in knative/base");
        boolean outputTrigger = resources(KNATIVE).stream().anyMatch(r -> "Trigger".equals(r.kind())
                && "text-to-video.output".equals(asMap(asMap(r.map("spec").get("filter"), r + "").get("attributes"),
                r + "").get("type")));
        assertTrue(outputTrigger, "a Trigger on text-to-video.output");
        String kustomization = read(async.resolve("kustomization.yaml"));
        assertTrue(kustomization.contains("min-scale") && kustomization.contains("value: \"1\""),
                "the async example keeps one pod: a job runs after its request was answered");
    }

    // ------------------------------------------------------------------ kustomize

    @Test
    void kustomizationsReferenceOnlyExistingFilesAndEveryManifestIsUsed() {
        for (Path k : yamlFiles(KNATIVE)) {
            if (!isKustomization(k)) {
                continue;
            }
            Map<String, Object> doc = asMap(loadAll(k).get(0), rel(k));
            Path dir = k.getParent();
            Set<Path> referenced = new LinkedHashSet<>();
            for (String field : List.of("resources", "components", "patchesStrategicMerge", "crds")) {
                for (Object entry : asList(doc.get(field))) {
                    Path p = dir.resolve((String) entry).normalize();
                    assertTrue(Files.isRegularFile(p) || isKustomizeDir(p), rel(k) + ": " + field + " entry " + entry
                            + " is neither a file nor a folder with a kustomization.yaml");
                    referenced.add(p);
                }
            }
            for (String field : List.of("patches", "patchesJson6902")) {
                for (Object entry : asList(doc.get(field))) {
                    Map<String, Object> patch = asMap(entry, rel(k) + " " + field);
                    assertTrue(patch.containsKey("path") || patch.containsKey("patch"), rel(k) + ": patch without path or patch");
                    if (patch.get("path") instanceof String path) {
                        Path p = dir.resolve(path).normalize();
                        assertTrue(Files.isRegularFile(p), rel(k) + ": patch file " + path + " does not exist");
                        referenced.add(p);
                    }
                    if (patch.get("patch") instanceof String inline) {
                        assertFalse(loadAll(inline).isEmpty(), rel(k) + ": empty inline patch");
                    }
                }
            }
            for (String field : List.of("configMapGenerator", "secretGenerator")) {
                for (Object gen : asList(doc.get(field))) {
                    Map<String, Object> g = asMap(gen, rel(k) + " " + field);
                    for (Object f : concat(asList(g.get("files")), asList(g.get("envs")))) {
                        String file = ((String) f).contains("=") ? ((String) f).substring(((String) f).indexOf('=') + 1) : (String) f;
                        assertTrue(Files.isRegularFile(dir.resolve(file)), rel(k) + ": generator file " + file);
                    }
                }
            }
            // base and overlays: no manifest lies there unused (examples are applied one by one as well)
            if (!dir.startsWith(KNATIVE.resolve("examples"))) {
                for (Path f : yamlFiles(dir)) {
                    if (f.getParent().equals(dir) && !isKustomization(f)) {
                        assertTrue(referenced.contains(f.normalize()), rel(f) + " is not referenced by " + rel(k));
                    }
                }
            }
        }
    }

    @Test
    void serviceIsClusterLocalAndAuthenticatedWithAWritableWorkDir() {
        Resource service = service();
        Map<String, Object> labels = asMap(asMap(service.doc().get("metadata"), "metadata").get("labels"), "labels");
        assertEquals("cluster-local", labels.get("networking.knative.dev/visibility"),
                "the Service is cluster-local by default (knative/overlays/public exposes it)");
        Map<String, Object> spec = templateSpec(service);
        Map<String, Object> c = container(service);
        Map<String, Map<String, Object>> volumes = byName(listOfMaps(spec.get("volumes"), "volumes"));
        Map<String, Map<String, Object>> mounts = byMountPath(listOfMaps(c.get("volumeMounts"), "volumeMounts"));
        Map<String, Object> data = asMap(resource("ConfigMap", CONFIG_MAP_NAME, KNATIVE.resolve("base")).doc().get("data"),
                "ConfigMap data");
        // authentication on: the tokens file is a mounted Secret
        String tokens = (String) data.get("T2V_AUTH_TOKENS_FILE");
        assertNotNull(tokens, "T2V_AUTH_TOKENS_FILE in the ConfigMap: authentication is on in the overlays");
        Path tokensDir = Path.of(tokens).getParent();
        Map<String, Object> authMount = mounts.get(tokensDir.toString());
        assertNotNull(authMount, "no volumeMount at " + tokensDir);
        assertTrue(volumes.get((String) authMount.get("name")).containsKey("secret"), "tokens come from a Secret");
        // the read-only root filesystem needs the work dir on a volume
        String work = (String) data.get("T2V_WORK_DIR");
        Map<String, Object> workMount = mounts.get(work);
        assertNotNull(workMount, "no volumeMount at T2V_WORK_DIR=" + work);
        assertFalse(Boolean.TRUE.equals(workMount.get("readOnly")));
        Map<String, Object> workVolume = volumes.get((String) workMount.get("name"));
        assertTrue(workVolume.containsKey("emptyDir") || workVolume.containsKey("persistentVolumeClaim"));
        Map<String, Object> security = asMap(c.get("securityContext"), "securityContext");
        assertEquals(Boolean.TRUE, security.get("readOnlyRootFilesystem"));
        // the public overlay removes exactly that label
        String publicOverlay = read(KNATIVE.resolve("overlays/public/kustomization.yaml"));
        assertTrue(publicOverlay.contains("path: /metadata/labels/networking.knative.dev~1visibility")
                && publicOverlay.contains("op: remove"), "knative/overlays/public removes the visibility label");
        // and the images default the work dir to a volume as well
        for (Path dockerfile : dockerfiles()) {
            assertTrue(read(dockerfile).contains("T2V_WORK_DIR=/work"), rel(dockerfile) + " sets T2V_WORK_DIR");
        }
    }

    // ------------------------------------------------------------------ Dockerfiles

    @Test
    void dockerfileCopySourcesExist() {
        Set<String> skipped = new LinkedHashSet<>();
        for (Path dockerfile : dockerfiles()) {
            for (Instruction i : instructions(dockerfile)) {
                if (!i.keyword().equals("COPY") && !i.keyword().equals("ADD")) {
                    continue;
                }
                List<String> args = i.args();
                if (args.stream().anyMatch(a -> a.startsWith("--from="))) {
                    continue;  // from another stage or image, not from the build context
                }
                List<String> paths = args.stream().filter(a -> !a.startsWith("--")).toList();
                assertTrue(paths.size() >= 2, rel(dockerfile) + ": " + i);
                for (String src : paths.subList(0, paths.size() - 1)) {
                    assertFalse(src.contains("$"), rel(dockerfile) + ": cannot check COPY source with a variable: " + src);
                    assertTrue(dockerignoreAllows(src), rel(dockerfile) + ": " + src + " is excluded by deploy/.dockerignore");
                    if (src.startsWith("target/") && !Files.isDirectory(PACKAGED_APP)) {
                        skipped.add(src);   // not packaged in this build: ./mvnw package makes it
                        continue;
                    }
                    assertTrue(exists(src), rel(dockerfile) + ": COPY source " + src + " does not exist"
                            + (src.startsWith("target/") ? " in the packaged app (target/quarkus-app)" : " in the repository"));
                }
            }
        }
        if (!skipped.isEmpty()) {
            System.out.println("DeploymentManifestsTest: target/quarkus-app absent, not checked: " + skipped);
        }
    }

    @Test
    void dockerignoreCopiesAreIdentical() throws IOException {
        String master = Files.readString(DEPLOY.resolve(".dockerignore"));
        for (Path dockerfile : dockerfiles()) {
            Path own = dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
            assertTrue(Files.isRegularFile(own), rel(own) + " (BuildKit reads it beside the Dockerfile)");
            assertEquals(master, Files.readString(own), rel(own) + " differs from deploy/.dockerignore");
        }
    }

    @Test
    void imagesRunAsNonRootOnPort8080OfflineWithModelAndArtifactVolumes() {
        for (Path dockerfile : dockerfiles()) {
            List<Instruction> all = instructions(dockerfile);
            List<Instruction> last = finalStage(all);
            Map<String, String> args = argDefaults(all);
            Map<String, String> env = env(last, args);
            String where = rel(dockerfile) + " (final stage)";
            assertTrue(last.stream().anyMatch(i -> i.keyword().equals("EXPOSE") && i.args().contains("8080")), where + ": EXPOSE 8080");
            String user = last.stream().filter(i -> i.keyword().equals("USER")).reduce((a, b) -> b)
                    .map(i -> resolve(i.args().get(0), args)).orElse("root");
            assertFalse(user.equals("0") || user.startsWith("0:") || user.equals("root"), where + ": runs as root");
            String volumes = last.stream().filter(i -> i.keyword().equals("VOLUME")).map(Instruction::text)
                    .collect(Collectors.joining(" "));
            assertTrue(volumes.contains("/models") && volumes.contains("/work"), where + ": VOLUME /models /work");
            assertFalse(volumes.contains("/artifacts"), where + ": artifacts live below /work");
            assertEquals("true", env.get("DJL_OFFLINE"), where + ": DJL_OFFLINE");
            assertNotNull(env.get("ENGINE_CACHE_DIR"), where + ": ENGINE_CACHE_DIR");
            assertEquals("/models", env.get("T2V_MODELS_DIR"), where + ": T2V_MODELS_DIR");
            assertNull(env.get("T2V_ARTIFACTS_DIR"), where + ": T2V_ARTIFACTS_DIR (artifacts go below T2V_WORK_DIR)");
            assertEquals("/work", env.get("T2V_WORK_DIR"), where + ": T2V_WORK_DIR");
            assertTrue(last.stream().anyMatch(i -> i.keyword().equals("ENTRYPOINT") && i.text().contains("/deployments/quarkus-run.jar")),
                    where + ": ENTRYPOINT runs /deployments/quarkus-run.jar");
        }
        Path cuda = DEPLOY.resolve("Dockerfile.cuda");
        List<Instruction> all = instructions(cuda);
        Map<String, String> args = argDefaults(all);
        Map<String, String> env = env(finalStage(all), args);
        assertEquals("cu128", env.get("PYTORCH_FLAVOR"), "Dockerfile.cuda: PYTORCH_FLAVOR");
        assertEquals("/opt/libtorch/lib", env.get("PYTORCH_LIBRARY_PATH"), "Dockerfile.cuda: PYTORCH_LIBRARY_PATH");
        assertEquals("cuda", env.get("T2V_MODELS_DEVICE"), "Dockerfile.cuda: T2V_MODELS_DEVICE");
        // libtorch comes from the official PyTorch image pinned by content digest (Docker refuses other bytes), and a
        // build step refuses an image whose torch is not the version/CUDA/ABI DJL's JNI library needs
        String image = args.get("PYTORCH_IMAGE");
        assertNotNull(image, "Dockerfile.cuda: ARG PYTORCH_IMAGE");
        assertTrue(image.matches("pytorch/pytorch:2\\.7\\.1-cuda12\\.8-[\\w.-]+@sha256:[0-9a-f]{64}"),
                "Dockerfile.cuda: PYTORCH_IMAGE must be the official 2.7.1/CUDA 12.8 image pinned by digest: " + image);
        assertTrue(all.stream().anyMatch(i -> i.keyword().equals("FROM") && i.text().contains("${PYTORCH_IMAGE}")),
                "Dockerfile.cuda: a stage FROM ${PYTORCH_IMAGE}");
        assertEquals("2.7.1", args.get("LIBTORCH_VERSION"), "Dockerfile.cuda: LIBTORCH_VERSION (DJL 0.36's libtorch)");
        assertEquals("12.8", args.get("CUDA_VERSION"), "Dockerfile.cuda: CUDA_VERSION");
        String text = all.stream().map(Instruction::text).collect(Collectors.joining("\n"));
        assertTrue(text.contains("python /tmp/libtorch_from_image.py \"${LIBTORCH_VERSION}\" \"${LIBTORCH_CUDA}\" "
                        + "\"${CUDA_VERSION}\" \"${DJL_VERSION}\""),
                "Dockerfile.cuda must run the version/ABI check of deploy/libtorch_from_image.py");
        String check = read(DEPLOY.resolve("libtorch_from_image.py"));
        assertTrue(check.contains("sys.exit(\"refusing this PyTorch image: \"") && check.contains("_GLIBCXX_USE_CXX11_ABI"),
                "deploy/libtorch_from_image.py refuses a torch of another version, CUDA version or ABI");
    }

    /**
     * A build needs no --build-arg: every ARG of both Dockerfiles has a non-empty default, and every ${NAME} a RUN, FROM,
     * COPY or ENV uses is an ARG or ENV of the file (or a variable the base image sets, listed here).
     */
    @Test
    void everyBuildArgumentHasADefault() {
        Set<String> fromBaseImages = Set.of("PATH", "LD_LIBRARY_PATH", "JAVA_OPTS", "JAVA_OPTS_APPEND", "@");
        for (Path dockerfile : dockerfiles()) {
            List<Instruction> all = instructions(dockerfile);
            Map<String, String> args = argDefaults(all);
            assertFalse(args.isEmpty(), rel(dockerfile) + ": no ARG at all?");
            args.forEach((name, value) -> assertTrue(value != null && !value.isBlank(),
                    rel(dockerfile) + ": ARG " + name + " has no default, so a plain docker build fails or builds wrong"));
            Set<String> defined = new java.util.HashSet<>(args.keySet());
            all.stream().filter(i -> i.keyword().equals("ENV")).flatMap(i -> i.args().stream())
                    .map(kv -> kv.contains("=") ? kv.substring(0, kv.indexOf('=')) : kv).forEach(defined::add);
            Matcher m = Pattern.compile("\\$\\{(\\w+)[}:]|\\$(\\w+)").matcher(all.stream()
                    .filter(i -> !i.keyword().equals("ENTRYPOINT")).map(Instruction::text).collect(Collectors.joining("\n")));
            while (m.find()) {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                if (!name.equals(name.toUpperCase()) || fromBaseImages.contains(name)) {
                    continue; // shell locals of RUN scripts (lower case), variables of the base images
                }
                assertTrue(defined.contains(name), rel(dockerfile) + ": ${" + name + "} is used but no ARG/ENV sets it");
            }
        }
    }

    @Test
    void t2vEnvironmentNamesAreConfigKeys() {
        Set<String> keys = configKeys();
        Map<String, String> envNames = new TreeMap<>();   // T2V_X -> where
        for (Path dockerfile : dockerfiles()) {
            List<Instruction> all = instructions(dockerfile);
            for (Instruction i : all) {
                if (i.keyword().equals("ENV")) {
                    env(List.of(i), Map.of()).keySet().forEach(n -> envNames.put(n, rel(dockerfile)));
                }
            }
        }
        for (Resource r : resources(KNATIVE)) {
            if ("ConfigMap".equals(r.kind()) && r.doc().get("data") instanceof Map<?, ?> data) {
                data.keySet().forEach(n -> envNames.put((String) n, r.toString()));
            }
            collectEnvNames(r.doc(), n -> envNames.put(n, r.toString()));
        }
        for (Path k : yamlFiles(KNATIVE)) {
            if (isKustomization(k)) {
                for (Object p : patchContents(k.getParent())) {
                    collectEnvNames(p, n -> envNames.put(n, rel(k) + " (inline patch)"));
                }
            }
        }
        Set<String> known = keys.stream().map(DeploymentManifestsTest::envName).collect(Collectors.toSet());
        envNames.forEach((name, where) -> {
            if (name.startsWith("T2V_")) {
                assertTrue(known.contains(name), where + ": " + name + " maps to no t2v.* config key " + keys);
            }
        });
    }

    // ------------------------------------------------------------------ sources of truth

    /** Function names from {@code @Funq} in src/main/java, or the documented four while there are none. */
    static Set<String> functionNames() {
        Set<String> names = new TreeSet<>();
        Path src = ROOT.resolve("src/main/java");
        for (Path f : filesUnder(src, "glob:**.java")) {
            String code = stripComments(read(f));
            Matcher named = FUNQ_NAMED.matcher(code);
            while (named.find()) {
                names.add(named.group(1));
            }
            Matcher bare = FUNQ_BARE.matcher(code);
            while (bare.find()) {
                names.add(bare.group(1));
            }
        }
        return names.isEmpty() ? new TreeSet<>(DOCUMENTED_FUNCTIONS) : names;
    }

    /** {@code t2v.*} keys of application.properties (commented ones too), or the documented keys while there are none. */
    static Set<String> configKeys() {
        Path props = ROOT.resolve("src/main/resources/application.properties");
        Set<String> keys = new TreeSet<>();
        if (Files.isRegularFile(props)) {
            for (String line : read(props).split("\n")) {
                Matcher m = CONFIG_KEY_LINE.matcher(line);
                if (m.find()) {
                    keys.add(m.group(1));
                }
            }
        }
        return keys.isEmpty() ? new TreeSet<>(DOCUMENTED_CONFIG_KEYS) : keys;
    }

    /** Quarkus' env form of a key: t2v.s3.path-style -> T2V_S3_PATH_STYLE. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static String stripComments(String code) {
        String noBlocks = code.replaceAll("(?s)/\\*.*?\\*/", " ");
        return noBlocks.lines().filter(l -> !l.strip().startsWith("//")).collect(Collectors.joining("\n"));
    }

    // ------------------------------------------------------------------ YAML helpers

    record Resource(Path file, Map<String, Object> doc) {
        String kind() {
            return (String) doc.get("kind");
        }

        String name() {
            return (String) ((Map<?, ?>) doc.get("metadata")).get("name");
        }

        Map<String, Object> map(String key) {
            return asMap(doc.get(key), this + " " + key);
        }

        @Override
        public String toString() {
            return rel(file) + " (" + kind() + " " + name() + ")";
        }
    }

    private static List<Resource> resources(Path dir) {
        List<Resource> out = new ArrayList<>();
        for (Path f : yamlFiles(dir)) {
            for (Object doc : loadAll(f)) {
                if (doc instanceof Map<?, ?> m) {
                    out.add(new Resource(f, cast(m)));
                }
            }
        }
        return out;
    }

    private static Resource resource(String kind, String name, Path dir) {
        return resources(dir).stream().filter(r -> kind.equals(r.kind()) && name.equals(r.name())).findFirst().orElse(null);
    }

    private static Resource service() {
        Resource s = resource("Service", SERVICE_NAME, KNATIVE.resolve("base"));
        assertNotNull(s, "no Service " + SERVICE_NAME + " in knative/base");
        assertEquals("serving.knative.dev/v1", s.doc().get("apiVersion"), s + ": apiVersion");
        return s;
    }

    private static Map<String, Object> templateSpec(Resource service) {
        return asMap(asMap(service.map("spec").get("template"), service + " template").get("spec"), service + " template.spec");
    }

    private static Map<String, Object> container(Resource service) {
        List<Map<String, Object>> containers = listOfMaps(templateSpec(service).get("containers"), "containers");
        assertEquals(1, containers.size(), service + ": one container");
        return containers.get(0);
    }

    private static String probePath(Map<String, Object> container, String probe) {
        return (String) asMap(asMap(container.get(probe), probe).get("httpGet"), probe + ".httpGet").get("path");
    }

    private static boolean subscribesTo(Resource trigger, String service) {
        Map<String, Object> subscriber = asMap(trigger.map("spec").get("subscriber"), trigger + " subscriber");
        return subscriber.get("ref") instanceof Map<?, ?> ref && "Service".equals(ref.get("kind"))
                && "serving.knative.dev/v1".equals(ref.get("apiVersion")) && service.equals(ref.get("name"));
    }

    /** Parsed patches of the kustomization in {@code dir}: inline ones and patch files. */
    private static List<Object> patchContents(Path dir) {
        Map<String, Object> k = asMap(loadAll(dir.resolve("kustomization.yaml")).get(0), rel(dir));
        List<Object> out = new ArrayList<>();
        for (String field : List.of("patches", "patchesJson6902", "patchesStrategicMerge")) {
            for (Object entry : asList(k.get(field))) {
                if (entry instanceof String path) {
                    out.addAll(loadAll(dir.resolve(path)));
                } else if (entry instanceof Map<?, ?> p) {
                    if (p.get("path") instanceof String path) {
                        out.addAll(loadAll(dir.resolve(path)));
                    }
                    if (p.get("patch") instanceof String inline) {
                        out.addAll(loadAll(inline));
                    }
                }
            }
        }
        return out;
    }

    /** A {@code limits} map naming the GPU, or a JSON-patch op adding {@code .../limits/nvidia.com~1gpu}. */
    private static boolean requestsGpu(Object node, String key) {
        if (node instanceof Map<?, ?> m) {
            if ("limits".equals(key) && m.get(GPU_RESOURCE) != null) {
                assertEquals("1", String.valueOf(m.get(GPU_RESOURCE)), "one GPU per pod");
                return true;
            }
            if (m.get("path") instanceof String p && p.endsWith("/limits/" + GPU_RESOURCE.replace("/", "~1"))) {
                return true;
            }
            return m.entrySet().stream().anyMatch(e -> requestsGpu(e.getValue(), String.valueOf(e.getKey())));
        }
        if (node instanceof List<?> l) {
            return l.stream().anyMatch(e -> requestsGpu(e, key));
        }
        return false;
    }

    private static boolean containsKey(Object node, String key) {
        if (node instanceof Map<?, ?> m) {
            return m.containsKey(key) || m.values().stream().anyMatch(v -> containsKey(v, key));
        }
        return node instanceof List<?> l && l.stream().anyMatch(v -> containsKey(v, key));
    }

    private static boolean containsPathEnding(Object node, String suffix) {
        if (node instanceof Map<?, ?> m) {
            return (m.get("path") instanceof String p && p.endsWith(suffix))
                    || m.values().stream().anyMatch(v -> containsPathEnding(v, suffix));
        }
        return node instanceof List<?> l && l.stream().anyMatch(v -> containsPathEnding(v, suffix));
    }

    /** Names of container {@code env} entries anywhere below {@code node}. */
    private static void collectEnvNames(Object node, java.util.function.Consumer<String> sink) {
        if (node instanceof Map<?, ?> m) {
            if (m.get("env") instanceof List<?> env) {
                env.stream().filter(e -> e instanceof Map<?, ?> em && em.get("name") instanceof String)
                        .forEach(e -> sink.accept((String) ((Map<?, ?>) e).get("name")));
            }
            m.values().forEach(v -> collectEnvNames(v, sink));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> collectEnvNames(v, sink));
        }
    }

    private static List<Object> loadAll(Path f) {
        return loadAll(read(f));
    }

    private static List<Object> loadAll(String yaml) {
        List<Object> docs = new ArrayList<>();
        for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (d != null) {
                docs.add(d);
            }
        }
        return docs;
    }

    private static List<Path> yamlFiles(Path dir) {
        return filesUnder(dir, "glob:**.{yaml,yml}");
    }

    private static boolean isKustomization(Path f) {
        return f.getFileName().toString().matches("(?i)kustomization\\.ya?ml");
    }

    private static boolean isKustomizeDir(Path p) {
        return Files.isDirectory(p) && (Files.isRegularFile(p.resolve("kustomization.yaml"))
                || Files.isRegularFile(p.resolve("kustomization.yml")) || Files.isRegularFile(p.resolve("Kustomization")));
    }

    private static Map<String, Map<String, Object>> byName(List<Map<String, Object>> items) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        items.forEach(i -> out.put((String) i.get("name"), i));
        return out;
    }

    private static Map<String, Map<String, Object>> byMountPath(List<Map<String, Object>> mounts) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        mounts.forEach(m -> out.put((String) m.get("mountPath"), m));
        return out;
    }

    /** "20m", "900s", "1h" -> seconds. */
    private static int seconds(String duration) {
        Matcher m = Pattern.compile("(\\d+)([smh])").matcher(duration);
        int total = 0;
        int end = 0;
        while (m.find()) {
            total += Integer.parseInt(m.group(1)) * switch (m.group(2)) { case "h" -> 3600; case "m" -> 60; default -> 1; };
            end = m.end();
        }
        assertEquals(duration.length(), end, "duration " + duration);
        return total;
    }

    // ------------------------------------------------------------------ Dockerfile helpers

    /** One Dockerfile instruction, continuation lines joined, comment lines dropped. */
    record Instruction(String keyword, String text, List<String> args) {
        @Override
        public String toString() {
            return keyword + " " + text;
        }
    }

    private static List<Path> dockerfiles() {
        List<Path> files = filesUnder(DEPLOY, "glob:**/Dockerfile.*").stream()
                .filter(p -> !p.toString().endsWith(".dockerignore")).toList();
        Set<String> names = files.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        assertEquals(Set.of("Dockerfile.cpu", "Dockerfile.cuda"), names, "Dockerfiles in deploy/");
        return files;
    }

    static List<Instruction> instructions(Path dockerfile) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(dockerfile).split("\n")) {
            String stripped = line.strip();
            if (stripped.startsWith("#") || (stripped.isEmpty() && current.isEmpty())) {
                continue;   // comments, also inside continued instructions, as Docker does
            }
            boolean continued = stripped.endsWith("\\");
            current.append(continued ? stripped.substring(0, stripped.length() - 1) : stripped).append(' ');
            if (!continued) {
                String text = current.toString().strip();
                current.setLength(0);
                if (text.isEmpty()) {
                    continue;
                }
                int space = text.indexOf(' ');
                String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
                String rest = space < 0 ? "" : text.substring(space + 1).strip();
                out.add(new Instruction(keyword, rest, words(rest)));
            }
        }
        return out;
    }

    /** Shell-like words; a JSON array form ["a", "b"] gives its strings. */
    static List<String> words(String s) {
        if (s.startsWith("[")) {
            try {
                List<String> out = new ArrayList<>();
                new ObjectMapper().readTree(s).forEach(n -> out.add(n.asText()));
                return out;
            } catch (IOException e) {
                // not JSON: Docker falls back to the shell form too
            }
        }
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < s.length()) {
                    w.append(s.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(w.toString());
        }
        return out;
    }

    private static List<Instruction> finalStage(List<Instruction> all) {
        int from = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                from = i;
            }
        }
        return all.subList(from, all.size());
    }

    /** Defaults of every ARG in the file (later ones win): enough to resolve ${NAME} in ENV values. */
    private static Map<String, String> argDefaults(List<Instruction> all) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Instruction i : all) {
            if (i.keyword().equals("ARG")) {
                for (String a : i.args()) {
                    int eq = a.indexOf('=');
                    out.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? null : a.substring(eq + 1));
                }
            }
        }
        return out;
    }

    /** ENV names and values of the given instructions, ${NAME} resolved against ARG defaults and earlier ENV. */
    private static Map<String, String> env(List<Instruction> instructions, Map<String, String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Instruction i : instructions) {
            if (!i.keyword().equals("ENV")) {
                continue;
            }
            List<String> w = i.args();
            if (!w.isEmpty() && !w.get(0).contains("=")) {       // legacy form: ENV NAME value with spaces
                out.put(w.get(0), String.join(" ", w.subList(1, w.size())));
                continue;
            }
            for (String kv : w) {
                int eq = kv.indexOf('=');
                assertTrue(eq > 0, "ENV entry without '=': " + kv);
                Map<String, String> scope = new LinkedHashMap<>(args);
                scope.putAll(out);
                out.put(kv.substring(0, eq), resolve(kv.substring(eq + 1), scope));
            }
        }
        return out;
    }

    private static String resolve(String value, Map<String, String> vars) {
        Matcher m = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)").matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(sb, Matcher.quoteReplacement(Objects.requireNonNullElse(vars.get(name), "")));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** deploy/.dockerignore is a whitelist ("*" then "!path" lines): a source must lie under a "!path". */
    private static boolean dockerignoreAllows(String src) {
        List<String> patterns = read(DEPLOY.resolve(".dockerignore")).lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("*", patterns.get(0), "deploy/.dockerignore must start by excluding everything");
        String s = trimSlash(src);
        return patterns.stream().skip(1).filter(p -> p.startsWith("!")).map(p -> trimSlash(p.substring(1)))
                .anyMatch(allowed -> s.equals(allowed) || s.startsWith(allowed + "/"));
    }

    private static String trimSlash(String p) {
        String s = p.startsWith("./") ? p.substring(2) : p;
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static boolean exists(String src) {
        String s = trimSlash(src);
        if (!s.contains("*") && !s.contains("?")) {
            return Files.exists(ROOT.resolve(s));
        }
        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + ROOT.resolve(s));
        return !filesUnder(ROOT.resolve(s.substring(0, Math.max(0, s.lastIndexOf('/')))), "glob:**").stream()
                .filter(glob::matches).toList().isEmpty();
    }

    // ------------------------------------------------------------------ small utilities

    private static List<Path> filesUnder(Path dir, String glob) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher(glob);
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> matcher.matches(p) || matcher.matches(p.getFileName()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rel(Path p) {
        return ROOT.relativize(p.toAbsolutePath()).toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static Map<String, Object> asMap(Object o, String what) {
        if (!(o instanceof Map<?, ?> m)) {
            return fail(what + ": expected a mapping, got " + o);
        }
        return cast(m);
    }

    private static List<Object> asList(Object o) {
        if (o == null) {
            return List.of();
        }
        assertInstanceOf(List.class, o, "expected a list, got " + o);
        return new ArrayList<>((List<?>) o);
    }

    private static List<Map<String, Object>> listOfMaps(Object o, String what) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object e : asList(o)) {
            out.add(asMap(e, what));
        }
        return out;
    }

    private static List<Object> concat(Collection<Object> a, Collection<Object> b) {
        List<Object> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
