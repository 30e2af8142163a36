package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.seedLarge;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.LogCapture;
import io.netty.buffer.PooledByteBufAllocator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A client that asks for a large reply and reads none of it: the server holds a bounded part of the reply in direct
 * memory meanwhile, and cuts the client off after {@code replicache.sync.write-timeout}, long before the connection's
 * idle timeout, deleting the reply's file; that is no error in the log.
 */
@QuarkusTest
@TestProfile(StalledReaderTest.ShortDeadline.class)
class StalledReaderTest {

    public static class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuthModes.tokenMode(Map.of("replicache.sync.write-timeout", "1s"));
        }
    }

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)\\r?$");

    @TestHTTPResource("/")
    URI base;

    @Test
    void aPullThatIsNotReadHoldsLittleDirectMemoryAndIsCutOffAtTheDeadline() throws Exception {
        String space = space();
        seedLarge(space, token("writer", Map.of(space, "rw")), 12 << 20); // more than the sockets' buffers take
        Set<Path> filesBefore = replyFiles();
        long pinnedBefore = pinnedDirectMemory();

        List<LogRecord> logged;
        try (LogCapture log = LogCapture.of("");
                Socket socket = StalledPullTest.pullWithoutReading(base, space, token("reader", Map.of(space, "r")))) {
            Thread.sleep(500); // the server has written what the sockets' buffers take, and waits
            long pinned = pinnedDirectMemory() - pinnedBefore;
            // Two chunks of 64 KB when paced; it was about 1 MB here (and 5.7 MB in a server with -Xmx128m) before.
            assertTrue(pinned <= 4 * PacedReply.CHUNK_BYTES, "a stalled reply holds " + pinned + " bytes of direct memory");
            Set<Path> spooled = replyFiles();
            spooled.removeAll(filesBefore);
            assertTrue(!spooled.isEmpty(), "the reply was spooled to a file");

            Thread.sleep(3_000); // past the 1 s deadline; the connection's idle timeout is a minute
            String headers = headers(socket.getInputStream());
            Matcher length = CONTENT_LENGTH.matcher(headers);
            assertTrue(length.find(), "the reply says its length: " + headers);
            long received = drain(socket.getInputStream());
            assertTrue(received < Long.parseLong(length.group(1)),
                    "the connection was closed before the reply was sent in full: " + received + " bytes of "
                            + length.group(1));
            assertTrue(spooled.stream().noneMatch(Files::exists), "the reply's file is deleted");
            logged = log.records();
        }
        assertEquals(List.of(), logged.stream().filter(record -> record.getLevel().intValue() >= Level.WARNING.intValue())
                .map(record -> record.getLoggerName() + ": " + LogCapture.message(record)).toList(),
                "a client cut off is no warning or error");
    }

    /** The rest of the status line and the headers, up to the blank line. */
    private static String headers(InputStream in) throws IOException {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        while (!headers.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            headers.write(b);
        }
        return headers.toString(StandardCharsets.US_ASCII);
    }

    /** Reads until the server closes the connection (or resets it); how many bytes came. */
    private static long drain(InputStream in) {
        long received = 0;
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                received += n;
            }
        } catch (IOException reset) {
            // closed too
        }
        return received;
    }

    /** The pull replies spooled to files now, by this server or any other on the machine. */
    private static Set<Path> replyFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(file -> file.getFileName().toString().startsWith("replicache-pull-"))
                    .collect(Collectors.toSet());
        }
    }

    /** Bytes of direct memory Netty's pooled buffers hold now (its connections' outbound buffers among them). */
    private static long pinnedDirectMemory() {
        return PooledByteBufAllocator.DEFAULT.pinnedDirectMemory();
    }
}
