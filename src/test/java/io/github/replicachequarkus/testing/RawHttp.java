package io.github.replicachequarkus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Plain HTTP requests for tests that send thousands: faster than REST Assured, and able to send any bytes with any
 * query string, as a fuzzer needs.
 */
public final class RawHttp {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final String base;

    /** @param base the server's root, e.g. a {@code @TestHTTPResource("/")} */
    public RawHttp(URI base) {
        this.base = base.toString().replaceFirst("/$", "");
    }

    public record Reply(int status, String body, String contentType) {
    }

    /** POSTs the JSON text to the path (starting with /) with the {@code spaceID} query parameter, if not null. */
    public Reply post(String path, String spaceID, String json) {
        return post(path + (spaceID == null ? "" : "?spaceID=" + URLEncoder.encode(spaceID, StandardCharsets.UTF_8)),
                "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** POSTs the bytes to the path and query as they are. */
    public Reply post(String pathAndQuery, String contentType, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** GETs the path and reads only the status and content type: for streams (SSE) that never end. */
    public Reply open(String pathAndQuery) {
        try {
            HttpResponse<java.io.InputStream> response = CLIENT.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            String body = contentType.startsWith("text/event-stream") ? ""
                    : new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            response.body().close();
            return new Reply(response.statusCode(), body, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Reply get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET());
    }

    private static Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
