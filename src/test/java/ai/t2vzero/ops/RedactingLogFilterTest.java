package ai.t2vzero.ops;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Presigned URLs lose their query (the credential) in log records: message, parameters and exception messages. */
class RedactingLogFilterTest {

    static final String PRESIGNED = "https://bucket.s3.amazonaws.com/in/clip.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIA123%2F20261201&X-Amz-Signature=deadbeefcafe";

    @Test
    void messagesParametersAndExceptionsLoseUrlQueries() {
        ExtLogRecord r = new ExtLogRecord(Level.SEVERE, "fetching %s failed", ExtLogRecord.FormatStyle.PRINTF,
                RedactingLogFilterTest.class.getName());
        r.setParameters(new Object[] {PRESIGNED});
        r.setThrown(new IllegalStateException("downloading " + PRESIGNED + " failed",
                new IOException("GET " + PRESIGNED + " -> 403")));
        assertTrue(new RedactingLogFilter().isLoggable(r));
        String text = r.getFormattedMessage() + " " + r.getThrown() + " " + r.getThrown().getCause();
        assertFalse(text.contains("X-Amz-Signature"), text);
        assertFalse(text.contains("deadbeef"), text);
        assertTrue(text.contains("https://bucket.s3.amazonaws.com/in/clip.mp4?<redacted>"), text);
        assertTrue(text.contains("java.lang.IllegalStateException"), text);
        assertTrue(r.getThrown().getStackTrace().length > 0, "frames are kept");
    }

    @Test
    void theFilterIsOnTheConsoleHandler() throws IOException {
        try (InputStream in = RedactingLogFilterTest.class.getResourceAsStream("/application.properties")) {
            String props = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(props.contains("\nquarkus.log.console.filter=t2v-redact\n"), "console filter configured");
        }
    }
}
