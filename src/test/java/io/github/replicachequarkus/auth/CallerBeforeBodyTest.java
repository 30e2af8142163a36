package io.github.replicachequarkus.auth;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A caller without the right credentials is answered before its body is read: the requests here announce a body of
 * 3 MB and never send it, so an answer at all shows the server did not wait for it.
 */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class CallerBeforeBodyTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void anUnauthenticatedPushIsRefusedBeforeItsBodyIsRead() throws IOException {
        assertTrue(statusWithoutBody("/api/replicache/push?spaceID=" + space(), null).startsWith("HTTP/1.1 401"));
    }

    @Test
    void aForbiddenPullIsRefusedBeforeItsBodyIsRead() throws IOException {
        String space = space();
        String elsewhere = bearer(token("u1", Map.of("other-*", "rw")));
        assertTrue(statusWithoutBody("/api/replicache/pull?spaceID=" + space, elsewhere).startsWith("HTTP/1.1 403"));
        String reader = bearer(token("u1", Map.of(space, "r")));
        assertTrue(statusWithoutBody("/api/replicache/push?spaceID=" + space, reader).startsWith("HTTP/1.1 403"),
                "a reader's push");
    }

    @Test
    void createSpaceAndSpaceExistsNeedCredentialsBeforeTheirBody() throws IOException {
        assertTrue(statusWithoutBody("/api/replicache/createSpace", null).startsWith("HTTP/1.1 401"));
        assertTrue(statusWithoutBody("/api/replicache/spaceExists", "Bearer forged").startsWith("HTTP/1.1 401"));
    }

    /** Sends the request's headers announcing a 3 MB body, sends none of it, and reads the status line. */
    private String statusWithoutBody(String pathAndQuery, String authorization) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(5_000); // a server waiting for the body would not answer in time
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + "Content-Length: 3000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString().strip();
        }
    }
}
