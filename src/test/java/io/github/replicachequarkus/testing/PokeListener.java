package io.github.replicachequarkus.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Listens to a space's SSE poke stream in the background, collecting the data lines. */
public final class PokeListener {

    private PokeListener() {
    }

    /** Starts listening and waits for the stream's {@code hello}; the list fills as events come. */
    public static List<String> listen(URI base, String spaceID) {
        List<String> events = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest
                .newBuilder(URI.create(base.toString().replaceFirst("/$", "") + "/api/replicache/poke?spaceID=" + spaceID))
                .header("Accept", "text/event-stream").build();
        HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).thenAccept(response -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null;) {
                    if (line.startsWith("data:")) {
                        events.add(line.substring(5).strip());
                    }
                }
            } catch (Exception ignored) {
                // the stream ends with the test
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("hello"));
        return events;
    }
}
