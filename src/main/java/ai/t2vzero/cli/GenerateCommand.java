package ai.t2vzero.cli;

import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.function.TextToVideoRequest;
import ai.t2vzero.function.TextToVideoResponse;
import ai.t2vzero.function.VideoJobs;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.inject.Inject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The command-line job: {@code text-to-video --prompt "a horse galloping" [--video-length 8] [--seed 42]
 * [--format gif] [--out horse.mp4] ...}. Every request field is an option in kebab case ({@code --motion-field-strength-x
 * 12}); defaults come from the same configuration as the service. Shows the job's progress on stderr
 * ({@link CommandProgress}: a bar on a terminal, a line per stage otherwise), prints where the video is (stdout's last
 * line, {@code video: <path>}) and exits 0, or prints the validation error (naming the field) and exits 2. No
 * arguments: run the service until stopped.
 */
public class GenerateCommand implements QuarkusApplication {

    @Inject
    T2vConfig config;

    @Inject
    VideoJobs jobs;

    @Inject
    ArtifactStore store;

    @Inject
    ObjectMapper json;

    @Override
    public int run(String... args) throws Exception {
        if (args.length == 0) {
            Quarkus.waitForExit();
            return 0;
        }
        if (!args[0].equals("text-to-video")) {
            System.err.println("unknown command '" + args[0] + "' (commands: text-to-video; no arguments: serve)");
            return 2;
        }
        ObjectNode body = json.createObjectNode();
        Path out = null;
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("expected --option value, got '" + args[i] + "'");
                return 2;
            }
            String name = args[i].substring(2);
            String value = args[++i];
            if (name.equals("out")) {
                out = Path.of(value);
            } else {
                body.set(camel(name), json.readTree(quoteUnlessJson(value)));
            }
        }
        try {
            TextToVideoRequest request = json.treeToValue(body, TextToVideoRequest.class);
            TextToVideoResponse r;
            try (CommandProgress progress = new CommandProgress(args[0], System.err, CommandProgress.onTerminal())) {
                r = jobs.textToVideo(request.resolve(config), "file://", progress);
            }
            Path file = store.find(r.id()).flatMap(store::localFile).orElse(null);
            if (out != null && file != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.copy(file, out, StandardCopyOption.REPLACE_EXISTING);
                file = out;
            }
            System.out.printf(Locale.ROOT, "%s: %d frames %dx%d at %d fps, seed %d, timings %s%n", r.format(), r.frames(),
                    r.width(), r.height(), r.fps(), r.seed(), r.timings());
            System.out.println("video: " + (file != null ? file.toAbsolutePath() : r.url()));
            return 0;
        } catch (InvalidFieldException e) {
            System.err.println("invalid " + e.field() + ": " + e.getMessage());
            return 2;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            System.err.println("bad option value: " + e.getOriginalMessage());
            return 2;
        }
    }

    /** --motion-field-strength-x -> motionFieldStrengthX */
    static String camel(String kebab) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    /** Numbers and booleans stay JSON; anything else becomes a JSON string. */
    private static String quoteUnlessJson(String v) {
        if (v.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?") || v.equals("true") || v.equals("false")) {
            return v;
        }
        return new ObjectMapper().valueToTree(v).toString();
    }
}
