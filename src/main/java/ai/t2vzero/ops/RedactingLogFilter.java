package ai.t2vzero.ops;

import io.quarkus.logging.LoggingFilter;

import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

/**
 * Log records leave the process without URL query strings: presigned URLs (input videos, S3 links) carry their
 * credential in the query ({@code X-Amz-Signature=...}), and a URL in an exception message or a stack trace's
 * messages would otherwise land in the logs as it is. Installed on the console handler
 * ({@code quarkus.log.console.filter=t2v-redact}), so it covers every logger, ours and the libraries'. The message is
 * formatted, redacted and stored without parameters; a throwable is replaced by a copy whose messages (causes and
 * suppressed included) are redacted and whose stack frames are the original ones.
 */
@LoggingFilter(name = "t2v-redact")
public final class RedactingLogFilter implements Filter {

    /** scheme://authority/path?query: the query (and fragment) go, the rest stays for diagnosis. */
    private static final Pattern URL_QUERY = Pattern.compile("((?:https?|s3)://[^\\s?#\"'<>]+)[?#][^\\s\"'<>]*",
            Pattern.CASE_INSENSITIVE);
    static final String REDACTED = "?<redacted>";

    @Override
    public boolean isLoggable(LogRecord record) {
        String formatted = format(record);
        if (formatted != null) {
            String redacted = redact(formatted);
            if (!redacted.equals(formatted) || record.getParameters() != null) {
                record.setMessage(redacted);
                record.setParameters(null);
                if (record instanceof org.jboss.logmanager.ExtLogRecord ext) {
                    ext.setMessage(redacted, org.jboss.logmanager.ExtLogRecord.FormatStyle.NO_FORMAT);
                }
            }
        }
        if (record.getThrown() != null && containsUrlQuery(record.getThrown())) {
            record.setThrown(redact(record.getThrown(), 0));
        }
        return true;
    }

    /** {@code text} with the query string of every URL replaced by {@value #REDACTED}. */
    public static String redact(String text) {
        return text == null ? null : URL_QUERY.matcher(text).replaceAll("$1" + java.util.regex.Matcher.quoteReplacement(REDACTED));
    }

    private static String format(LogRecord record) {
        if (record instanceof org.jboss.logmanager.ExtLogRecord ext) {
            return ext.getFormattedMessage();
        }
        String m = record.getMessage();
        Object[] p = record.getParameters();
        if (m == null || p == null || p.length == 0) {
            return m;
        }
        try {
            return java.text.MessageFormat.format(m, p);
        } catch (IllegalArgumentException e) {
            return m;
        }
    }

    private static boolean containsUrlQuery(Throwable t) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t.getMessage() != null && URL_QUERY.matcher(t.getMessage()).find()) {
                return true;
            }
            for (Throwable s : t.getSuppressed()) {
                if (containsUrlQuery(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A copy of {@code t} (its class name kept in the message) with redacted messages and the same frames. */
    static Throwable redact(Throwable t, int depth) {
        Throwable copy = new RedactedException(t.getClass().getName() + ": " + redact(String.valueOf(t.getMessage())));
        copy.setStackTrace(t.getStackTrace());
        if (t.getCause() != null && t.getCause() != t && depth < 20) {
            copy.initCause(redact(t.getCause(), depth + 1));
        }
        for (Throwable s : t.getSuppressed()) {
            copy.addSuppressed(redact(s, depth + 1));
        }
        return copy;
    }

    /** Stands in for a logged exception whose message had a URL query string. */
    static final class RedactedException extends RuntimeException {
        RedactedException(String message) {
            super(message); // cause left unset: initCause gives the redacted one
        }

        @Override
        public String toString() {
            return getMessage(); // "<original class>: <redacted message>", as Throwable.toString would print it
        }
    }
}
