package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import com.fasterxml.jackson.databind.JsonNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.relay.Relay;
import io.github.replicachequarkus.testing.PokeListener;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Real faults of the database in a push's transaction: at its COMMIT (the database refuses it, or the connection dies
 * in it), and inside a mutator (a statement timeout, a terminated backend). The push is refused as a whole, nothing of
 * it stays, and nobody hears of it: no room socket, no poke stream, no other machine.
 */
@QuarkusTest
class DatabaseFaultTest {

    /** How long a poke or a notification that should not come is waited for. */
    private static final Duration QUIET = Duration.ofSeconds(1);

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Relay relay;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    String username;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    /**
     * The commit itself fails, after every statement of the push succeeded and its change event was fired: unlike a
     * failure before the commit, only the transaction's outcome can tell the listeners that nothing happened.
     */
    @ParameterizedTest
    @CsvSource({ "constraint, 500, InternalError", "connection, 503, Unavailable" })
    void aPushWhoseCommitFailsIsHeardOfByNobody(String how, int status, String error) throws Exception {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "before", "value", 1)));
        long version = version(space);

        try (OtherMachine otherMachine = new OtherMachine(); TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g2", version);
            List<String> pokeStream = PokeListener.listen(base, space);
            await().atMost(Duration.ofSeconds(10)).until(relay::listening);

            push(space, "g1", mutation(c1, 2, "put", Map.of("key", "before", "value", 2)),
                    mutation(c1, 3, "failAtCommit", how))
                    .then().statusCode(status).body("error", is(error));

            JsonNode frame = socket.poll(QUIET);
            assertAll("who heard of the push whose commit failed",
                    () -> assertNull(frame, () -> "the room's socket was sent " + frame),
                    () -> assertEquals(List.of("hello"), pokeStream, "the poke stream"),
                    () -> assertEquals(List.of(), otherMachine.heard(space), "another machine, through the relay"),
                    () -> assertEquals(version, version(space), "the space's version moved"));
            assertEquals(Map.of("before", 1), state(space));
            assertEquals(Map.of(c1, 1), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));

            // All of them were listening: the next change that commits reaches each, and is the first they hear.
            pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "after", "value", 2)));
            JsonNode poke = socket.next();
            assertEquals(version, poke.get("baseCookie").asLong(), poke.toString());
            assertEquals(version + 1, poke.get("cookie").asLong(), poke.toString());
            await().atMost(Duration.ofSeconds(10)).until(() -> pokeStream.contains("poke"));
            assertEquals(List.of("hello", "poke"), pokeStream);
            await().atMost(Duration.ofSeconds(10)).until(() -> !otherMachine.heard(space).isEmpty());
            assertEquals(List.of(version + 1), otherMachine.heard(space));
        }
    }

    /**
     * A fault of the database while a mutator runs is not that mutation's failure: the whole push is refused, the
     * mutations before and after it included, and no client's last mutation id moves. How it is answered follows
     * {@link ErrorMapper}: a connection that died and a statement cancelled by its timeout both mean "try again later"
     * (503); neither is the mutation's fault.
     */
    @ParameterizedTest
    @CsvSource({ "terminate, 503, Unavailable", "timeout, 503, Unavailable" })
    void aDatabaseFaultInAMutatorAbortsTheWholePush(String how, int status, String error) throws Exception {
        String space = space();
        String c1 = client();
        String c2 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)), mutation(c1, 2, "increment", "n"));
        long version = version(space);
        Map<String, Object> state = state(space);
        Map<String, String> rows = rows(space);

        push(space, "g1",
                mutation(c1, 3, "put", Map.of("key", "b", "value", 3)), // an existing client, before the fault
                mutation(c2, 1, "increment", "n"), // a new client, before the fault
                mutation(c1, 4, "databaseFault", how),
                mutation(c2, 2, "put", Map.of("key", "c", "value", 5))) // after the fault
                .then().statusCode(status).body("error", is(error));

        assertEquals(version, version(space), "the space's version did not move");
        assertEquals(state, state(space));
        assertEquals(rows, rows(space), "no entry or client row was written");
        assertEquals(Map.of(c1, 2), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));

        // The fault was the push's, not the server's: the same mutations without it are applied, once.
        pushOk(space, "g1",
                mutation(c1, 3, "put", Map.of("key", "b", "value", 3)),
                mutation(c2, 1, "increment", "n"),
                mutation(c1, 4, "put", Map.of("key", "d", "value", 4)),
                mutation(c2, 2, "put", Map.of("key", "c", "value", 5)));
        assertEquals(version + 1, version(space));
        assertEquals(Map.of("a", 1, "n", 2, "b", 3, "c", 5, "d", 4), state(space));
        assertEquals(Map.of(c1, 4, c2, 2), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
    }

    /** The space's entry and client rows as text, straight from the tables. */
    private Map<String, String> rows(String space) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement entries = connection
                    .prepareStatement("SELECT key, value, version, deleted FROM entry WHERE space_id = ?")) {
                entries.setString(1, space);
                try (ResultSet result = entries.executeQuery()) {
                    while (result.next()) {
                        rows.put("entry " + result.getString(1), result.getString(2) + " at " + result.getLong(3)
                                + (result.getBoolean(4) ? " deleted" : ""));
                    }
                }
            }
            try (PreparedStatement clients = connection.prepareStatement(
                    "SELECT id, client_group_id, last_mutation_id, last_modified_version FROM client WHERE space_id = ?")) {
                clients.setString(1, space);
                try (ResultSet result = clients.executeQuery()) {
                    while (result.next()) {
                        rows.put("client " + result.getString(1), result.getString(2) + " at mutation "
                                + result.getLong(3) + ", version " + result.getLong(4));
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Another machine of the deployment, as far as the relay goes: it LISTENs on the relay's channel (on a connection
     * of its own, outside the pool) and keeps what it hears.
     */
    private final class OtherMachine implements AutoCloseable {
        private final List<String> payloads = new CopyOnWriteArrayList<>();
        private final Connection connection;
        private final Thread listener;
        private volatile boolean running = true;

        OtherMachine() throws SQLException {
            connection = DriverManager.getConnection(jdbcUrl, username, password);
            try (Statement listen = connection.createStatement()) {
                listen.execute("LISTEN replicache_changes");
            }
            PGConnection postgres = connection.unwrap(PGConnection.class);
            listener = Thread.ofPlatform().daemon().name("other-machine").start(() -> {
                try {
                    while (running) {
                        PGNotification[] notifications = postgres.getNotifications(100);
                        if (notifications != null) {
                            for (PGNotification notification : notifications) {
                                payloads.add(notification.getParameter());
                            }
                        }
                    }
                } catch (SQLException e) {
                    if (running) {
                        payloads.add("the listener failed: " + e);
                    }
                }
            });
        }

        /** The versions of the space it was told of, in order (and any failure of its own). */
        List<Object> heard(String space) {
            List<Object> versions = new ArrayList<>();
            for (String payload : payloads) {
                String[] parts = payload.split(" ");
                if (parts.length != 3) {
                    versions.add(payload);
                } else if (parts[1].equals(space)) {
                    versions.add(Long.parseLong(parts[2]));
                }
            }
            return versions;
        }

        @Override
        public void close() throws Exception {
            running = false;
            listener.join(5_000);
            connection.close();
        }
    }
}
