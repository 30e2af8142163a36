package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AotTraining;
import io.github.replicachequarkus.testing.Instance;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The ahead-of-time cache as {@code ./mvnw package -Daot} and the JVM image make it: the training run writes a cache
 * the packaged application starts with, and the application's own classes come from it (which the aot-jar packaging
 * allows and Quarkus's fast-jar class loader would not), not only the JDK's.
 */
class AotCacheIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern SHARED = Pattern.compile("^\\S+ (\\S+) source: shared objects file", Pattern.MULTILINE);

    @Test
    void theTrainedCacheHoldsTheApplicationsClassesAndTheApplicationServesWithIt() throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        Path cache = Path.of("target", "aot-it", "app.aot");
        Files.createDirectories(cache.getParent());
        AotTraining.train(jar, cache, List.of());
        assertTrue(Files.size(cache) > 10_000_000, "a cache of the whole application: " + Files.size(cache) + " bytes");

        Path classes = Path.of("target", "aot-it", "classes.log").toAbsolutePath();
        Files.deleteIfExists(classes);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setPort(freePort())
                .setPGStartupWait(Duration.ofSeconds(60)).start();
                Instance server = Instance.start("aot-cache",
                        Map.of("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"),
                                "quarkus.datasource.username", "postgres", "quarkus.datasource.password", "postgres"),
                        // AOTMode=on: the JVM refuses to start rather than run without the cache.
                        Map.of("REPLICACHE_AUTH_MODE", "open", "JAVA_TOOL_OPTIONS", "-XX:AOTCache=" + cache.toAbsolutePath()
                                + " -XX:AOTMode=on -Xlog:class+load=info:file=" + classes))) {
            String push = """
                    {"pushVersion":1,"clientGroupID":"g1","profileID":"p","schemaVersion":"","mutations":[
                    {"clientID":"c1","id":1,"name":"createTodo","args":{"id":"t1","text":"eggs","completed":false,"sort":1},"timestamp":1}]}""";
            assertEquals(200, post(server.uri().resolve("api/replicache/push?spaceID=aot"), push).statusCode());
            HttpResponse<String> pull = post(server.uri().resolve("api/replicache/pull?spaceID=aot"),
                    "{\"pullVersion\":1,\"clientGroupID\":\"g1\",\"cookie\":null,\"profileID\":\"p\",\"schemaVersion\":\"\"}");
            assertEquals(200, pull.statusCode());
            assertTrue(pull.body().contains("\"text\":\"eggs\""), pull.body());
            assertTrue(pull.body().contains("\"lastMutationIDChanges\":{\"c1\":1}"), pull.body());
        }

        String log = Files.readString(classes);
        List<String> shared = SHARED.matcher(log).results().map(match -> match.group(1)).toList();
        for (String name : List.of("io.github.replicachequarkus.sync.PushService", "io.github.replicachequarkus.room.Room",
                "org.hibernate.internal.SessionImpl", "io.vertx.core.impl.VertxImpl", "java.lang.Object")) {
            assertTrue(shared.contains(name), name + " should come from the cache; " + shared.size() + " classes did");
        }
        Matcher elsewhere = Pattern.compile("^\\S+ (\\S+) source: (?!shared objects file)", Pattern.MULTILINE).matcher(log);
        long notShared = elsewhere.results().count();
        assertTrue(notShared < shared.size() / 20,
                "nearly every class should come from the cache: " + notShared + " did not, " + shared.size() + " did");
    }

    private static HttpResponse<String> post(URI uri, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
