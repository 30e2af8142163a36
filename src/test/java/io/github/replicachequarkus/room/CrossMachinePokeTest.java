package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.relay.Relay;
import io.github.replicachequarkus.testing.PokeListener;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A change committed by another machine reaches this machine's sockets through PostgreSQL LISTEN/NOTIFY. The other
 * machine is played by the test: it writes to the same database and notifies as a relay would.
 */
@QuarkusTest
class CrossMachinePokeTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Relay relay;

    /** Another machine's push: a new version of the space with one entry, committed; then its notification. */
    private long writeAsAnotherMachine(String space, String key, String json, boolean notify) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            long version;
            try (PreparedStatement bump = connection
                    .prepareStatement("UPDATE space SET version = version + 1 WHERE id = ? RETURNING version")) {
                bump.setString(1, space);
                var result = bump.executeQuery();
                result.next();
                version = result.getLong(1);
            }
            try (PreparedStatement put = connection.prepareStatement(
                    "INSERT INTO entry (space_id, key, value, version) VALUES (?, ?, ?::json, ?)")) {
                put.setString(1, space);
                put.setString(2, key);
                put.setString(3, json);
                put.setLong(4, version);
                put.executeUpdate();
            }
            connection.commit();
            connection.setAutoCommit(true);
            if (notify) {
                try (PreparedStatement notification = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                    notification.setString(1, "replicache_changes");
                    notification.setString(2, "another-machine " + space + " " + version);
                    notification.execute();
                }
            }
            return version;
        }
    }

    @Test
    void aChangeCommittedOnAnotherMachinePokesTheRoom() throws Exception {
        String space = space();
        pushOk(space, "g1", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        List<String> httpClient = PokeListener.listen(base, space);
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g2", null);

            long version = writeAsAnotherMachine(space, "remote", "{\"from\":\"elsewhere\"}", true);
            await().atMost(Duration.ofSeconds(10)).until(() -> httpClient.contains("poke"));

            JsonNode poke = socket.next();
            assertEquals(version - 1, poke.get("baseCookie").asLong());
            assertEquals(version, poke.get("cookie").asLong());
            assertEquals("[{\"op\":\"put\",\"key\":\"remote\",\"value\":{\"from\":\"elsewhere\"}}]",
                    poke.get("patch").toString());
        }
    }

    @Test
    void afterLosingItsConnectionTheListenerReconnectsAndResyncsRooms() throws Exception {
        String space = space();
        pushOk(space, "g1", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        List<String> httpClient = PokeListener.listen(base, space);
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g2", null);
            await().atMost(Duration.ofSeconds(10)).until(relay::listening);

            try (Connection connection = dataSource.getConnection(); var kill = connection.createStatement()) {
                kill.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = 'replicache-quarkus-listener'");
            }
            // Written while nobody listens: its notification is lost, so only the resync can deliver it.
            long version = writeAsAnotherMachine(space, "missed", "true", false);

            JsonNode poke = socket.next();
            assertEquals(version, poke.get("cookie").asLong());
            assertEquals("[{\"op\":\"put\",\"key\":\"missed\",\"value\":true}]", poke.get("patch").toString());
            await().atMost(Duration.ofSeconds(10)).until(relay::listening);
            await().atMost(Duration.ofSeconds(10)).until(() -> httpClient.contains("poke"));
        }
    }
}
