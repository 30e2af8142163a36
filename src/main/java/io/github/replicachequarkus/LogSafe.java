package io.github.replicachequarkus;

/**
 * Text a client chose (ids, mutation names, a token's content, error messages that echo a request), made fit to put
 * in a log message: every control character is escaped ({@code \n}, {@code \r}, {@code \t}, any other as a backslash,
 * {@code u} and four hex digits), so that a client can never end the server's log line and forge another, and the text is cut
 * at
 * {@link #MAX_LENGTH} characters, so that it cannot flood the log either. The Unicode line and paragraph separators
 * and the bidirectional controls (which make a line display in another order than it is written) are escaped too.
 * Backslashes are left as they are: the point is whole lines, not a reversible encoding.
 * <p>
 * Use it at every log call that prints such text: {@code Log.warnf("... mutation %s ...", LogSafe.of(name))}.
 */
public final class LogSafe {

    /** The most characters of a client's text that go into a log line; the rest is counted, not printed. */
    public static final int MAX_LENGTH = 200;

    private LogSafe() {
    }

    /** The most characters of an exception's message kept in a logged stack trace (see {@link #failure}). */
    public static final int MAX_MESSAGE_LENGTH = 2000;

    /** The text, escaped and cut to {@link #MAX_LENGTH}; {@code "null"} for null. */
    public static String of(String text) {
        return of(text, MAX_LENGTH);
    }

    /**
     * A stand-in for the exception to log with its stack trace ({@code Log.errorf(LogSafe.failure(e), ...)}): the same
     * class name, stack and causes, with every message escaped (an exception's message may quote a request: a database
     * error quotes the values it refused). Messages are cut at {@link #MAX_MESSAGE_LENGTH}.
     */
    public static Throwable failure(Throwable failure) {
        return failure == null ? null : new Escaped(failure, 0);
    }

    private static String of(String text, int maxLength) {
        if (text == null) {
            return "null";
        }
        int end = Math.min(text.length(), maxLength);
        if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never half a character
        }
        int first = 0;
        while (first < end && !needsEscape(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            return text; // the common case: short and clean, nothing copied
        }
        StringBuilder safe = new StringBuilder(end + 16).append(text, 0, first);
        for (int i = first; i < end; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> safe.append("\\n");
                case '\r' -> safe.append("\\r");
                case '\t' -> safe.append("\\t");
                default -> {
                    if (needsEscape(c)) {
                        safe.append("\\u").append(String.format("%04x", (int) c));
                    } else {
                        safe.append(c);
                    }
                }
            }
        }
        if (end < text.length()) {
            safe.append("...(").append(text.length() - end).append(" more chars)");
        }
        return safe.toString();
    }

    /** An exception as a log's stack trace shows it: its class and escaped message, its frames, its causes. */
    private static final class Escaped extends RuntimeException {

        private static final int MAX_DEPTH = 16;

        Escaped(Throwable original, int depth) {
            super(shown(original), cause(original, depth), true, true);
            setStackTrace(original.getStackTrace());
            if (depth < MAX_DEPTH) {
                for (Throwable suppressed : original.getSuppressed()) {
                    addSuppressed(new Escaped(suppressed, depth + 1));
                }
            }
        }

        private static String shown(Throwable original) {
            return original.getClass().getName()
                    + (original.getMessage() == null ? "" : ": " + of(original.getMessage(), MAX_MESSAGE_LENGTH));
        }

        private static Throwable cause(Throwable original, int depth) {
            Throwable cause = original.getCause();
            return cause == null || cause == original || depth >= MAX_DEPTH ? null : new Escaped(cause, depth + 1);
        }

        /** The original's class and message, as {@link Throwable#toString()} shows them, not this stand-in's class. */
        @Override
        public String toString() {
            return getMessage();
        }
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) // C0, DEL and C1 (NEL, U+0085, is a line break to some)
                || c == '\u2028' || c == '\u2029' // line and paragraph separators
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') // bidi embeddings, isolates
                || c == '\u200e' || c == '\u200f' || c == '\u061c'; // bidi marks
    }
}
