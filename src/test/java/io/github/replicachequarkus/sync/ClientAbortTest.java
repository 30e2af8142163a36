package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.LogCapture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Clients that hang up or reset mid-answer are no failure of the server's: no error with a stack trace reaches the
 * log for them (ErrorMapper logs a debug line; what Quarkus itself logs is kept off the console by the filter).
 */
@QuarkusTest
class ClientAbortTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aClientResettingDuringABigPullIsNoError() throws Exception {
        String space = space();
        String value = "v".repeat(80_000);
        for (int push = 0; push < 5; push++) { // 18 MB to pull: more than the sockets' buffers hold
            StringBuilder mutations = new StringBuilder();
            for (int i = 1; i <= 45; i++) {
                int id = push * 45 + i;
                mutations.append(i > 1 ? "," : "").append("{\"clientID\":\"c-").append(space).append("\",\"id\":").append(id)
                        .append(",\"name\":\"put\",\"args\":{\"key\":\"k").append(id).append("\",\"value\":\"").append(value)
                        .append("\"},\"timestamp\":1}");
            }
            given().contentType(ContentType.JSON).queryParam("spaceID", space)
                    .body("{\"pushVersion\":1,\"clientGroupID\":\"g-" + space + "\",\"mutations\":[" + mutations
                            + "],\"profileID\":\"p\",\"schemaVersion\":\"\"}")
                    .post("/api/replicache/push").then().statusCode(200);
        }
        String pull = "{\"pullVersion\":1,\"clientGroupID\":\"g-reader\",\"cookie\":null,\"profileID\":\"p\",\"schemaVersion\":\"\"}";

        List<LogRecord> logged;
        try (LogCapture log = LogCapture.of("")) {
            for (int i = 0; i < 3; i++) {
                resetAfterTheFirstBytes("POST /api/replicache/pull?spaceID=" + space + " HTTP/1.1\r\nHost: test\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + pull.length() + "\r\n\r\n" + pull);
            }
            Thread.sleep(1000);
            logged = log.records();
        }
        assertEquals(List.of(), errors(logged, false), "no warning or error for a client that left");
    }

    @Test
    void aPokeStreamWhoseClientResetIsNoErrorOnTheConsole() throws Exception {
        String space = space();
        List<LogRecord> logged;
        try (LogCapture log = LogCapture.of("")) {
            resetAfterTheFirstBytes("GET /api/replicache/poke?spaceID=" + space + " HTTP/1.1\r\nHost: test\r\n"
                    + "Accept: text/event-stream\r\n\r\n", 0);
            for (int i = 1; i <= 3; i++) { // each push pokes the stream whose client is gone
                given().contentType(ContentType.JSON).queryParam("spaceID", space)
                        .body("{\"pushVersion\":1,\"clientGroupID\":\"g-" + space + "\",\"mutations\":[{\"clientID\":\"c-"
                                + space + "\",\"id\":" + i + ",\"name\":\"increment\",\"args\":\"n\",\"timestamp\":1}],"
                                + "\"profileID\":\"p\",\"schemaVersion\":\"\"}")
                        .post("/api/replicache/push").then().statusCode(200);
                Thread.sleep(200);
            }
            logged = log.records();
        }
        assertEquals("client-gone", ConfigProvider.getConfig().getValue("quarkus.log.console.filter", String.class));
        assertEquals(List.of(), errors(logged, true), "what reaches the console");
    }

    /** The warnings and errors with a stack trace, as the console would print them (through its filter, or not). */
    private static List<String> errors(List<LogRecord> records, boolean throughTheConsoleFilter) {
        ClientGoneFilter filter = new ClientGoneFilter();
        return records.stream()
                .filter(record -> record.getLevel().intValue() >= Level.WARNING.intValue() && record.getThrown() != null)
                .filter(record -> !throughTheConsoleFilter || filter.isLoggable(record))
                .map(record -> record.getLoggerName() + ": " + LogCapture.message(record) + ": " + record.getThrown())
                .toList();
    }

    /** Sends the request, reads a little of the answer, and resets the connection (RST, not a polite close). */
    private void resetAfterTheFirstBytes(String request) throws Exception {
        resetAfterTheFirstBytes(request, 200);
    }

    private void resetAfterTheFirstBytes(String request, long pauseMillis) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            assertFalse(in.read(new byte[100]) < 0, "the server answers");
            Thread.sleep(pauseMillis); // the server writes on until the sockets' buffers are full
            socket.setSoLinger(true, 0);
        }
        Thread.sleep(300);
    }
}
