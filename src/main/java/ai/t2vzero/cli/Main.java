package ai.t2vzero.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point of the jar. Without arguments it is the service (HTTP + CloudEvents). With a command it runs that
 * job on the same configuration and exits: {@code text-to-video --prompt "..." [--video-length 8 ...]} (see
 * {@link GenerateCommand}). In command mode the HTTP server takes a free port, so a running service does not
 * collide with it, and the log goes to stderr, so that stdout holds only the result.
 */
@QuarkusMain
public final class Main {

    private Main() {}

    public static void main(String... args) {
        if (args.length > 0 && System.getProperty("quarkus.http.port") == null) {
            System.setProperty("quarkus.http.port", "0");
        }
        if (args.length > 0 && System.getProperty("quarkus.log.console.stderr") == null) {
            // the log (and the progress) go to stderr: stdout carries only the result, its last line the video's path
            System.setProperty("quarkus.log.console.stderr", "true");
        }
        Quarkus.run(GenerateCommand.class, args);
    }
}
