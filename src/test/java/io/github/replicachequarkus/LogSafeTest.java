package io.github.replicachequarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void cleanShortTextIsKeptAsItIs() {
        String name = "createTodo";
        assertSame(name, LogSafe.of(name));
        assertEquals("null", LogSafe.of(null));
        assertEquals("ünïcödé and a \\ backslash", LogSafe.of("ünïcödé and a \\ backslash"));
    }

    @Test
    void lineBreaksAndOtherControlCharactersAreEscaped() {
        assertEquals("a\\nb\\rc\\td", LogSafe.of("a\nb\rc\td"));
        assertEquals("x\\u0000\\u001b[31m\\u007f\\u0085y", LogSafe.of("x\u0000\u001b[31m\u007f\u0085y"));
        assertEquals("\\u2028\\u2029\\u202e\\u2066", LogSafe.of("\u2028\u2029\u202e\u2066"));
    }

    @Test
    void aForgedLogLineStaysOnTheLineOfTheRealOne() {
        String forged = "increment\n12:00:00.000 ERROR [i.g.r.a.TokenAuthorizer] (main) admin logged in";
        String logged = LogSafe.of(forged);
        assertTrue(logged.lines().count() == 1, logged);
        assertEquals("increment\\n12:00:00.000 ERROR [i.g.r.a.TokenAuthorizer] (main) admin logged in", logged);
    }

    /** As the console's formatter prints it: the messages escaped, the frames and causes all there. */
    @Test
    void aFailureKeepsItsStackAndCausesButCannotForgeALine() {
        IllegalStateException cause = new IllegalStateException("duplicate key k\nFORGED cause");
        RuntimeException failure = new RuntimeException("outer\r\nFORGED outer", cause);
        failure.addSuppressed(new java.io.IOException("suppressed\nFORGED suppressed"));
        ExtLogRecord record = new ExtLogRecord(org.jboss.logmanager.Level.ERROR, "Request failed",
                ExtLogRecord.FormatStyle.NO_FORMAT, LogSafeTest.class.getName());

        record.setThrown(failure);
        String unsafe = new PatternFormatter("%s%e%n").format(record);
        assertTrue(unsafe.lines().anyMatch(line -> line.startsWith("FORGED")), "the danger, unescaped:\n" + unsafe);

        record.setThrown(LogSafe.failure(failure));
        String logged = new PatternFormatter("%s%e%n").format(record);
        assertTrue(logged.lines().noneMatch(line -> line.strip().startsWith("FORGED")), logged);
        assertTrue(logged.contains("java.lang.RuntimeException: outer\\r\\nFORGED outer"), logged);
        assertTrue(logged.contains("Caused by: java.lang.IllegalStateException: duplicate key k\\nFORGED cause"), logged);
        assertTrue(logged.contains("Suppressed: java.io.IOException: suppressed\\nFORGED suppressed"), logged);
        assertTrue(
                logged.contains("at io.github.replicachequarkus.LogSafeTest.aFailureKeepsItsStackAndCausesButCannotForgeALine"),
                logged);
        assertTrue(!logged.contains("LogSafe$"), "the stand-in does not show: " + logged);
    }

    @Test
    void longTextIsCutAndTheRestCounted() {
        String logged = LogSafe.of("a".repeat(LogSafe.MAX_LENGTH + 50));
        assertEquals("a".repeat(LogSafe.MAX_LENGTH) + "...(50 more chars)", logged);
        String pairs = "😀".repeat(LogSafe.MAX_LENGTH); // a surrogate pair each
        String cut = LogSafe.of(pairs);
        assertEquals("😀".repeat(LogSafe.MAX_LENGTH / 2) + "...(" + LogSafe.MAX_LENGTH + " more chars)", cut);
        String odd = "x" + "😀".repeat(LogSafe.MAX_LENGTH); // the cut would fall inside a pair: it moves before it
        assertEquals("x" + "😀".repeat(LogSafe.MAX_LENGTH / 2 - 1) + "...(" + (2 * LogSafe.MAX_LENGTH + 1 - 199)
                + " more chars)", LogSafe.of(odd));
    }
}
