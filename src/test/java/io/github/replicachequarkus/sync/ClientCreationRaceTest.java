package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.Protocol;
import io.github.replicachequarkus.testing.TestMutators.HoldBeforeCommit;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Two group-commit lanes create the same new client at once: client ids are global, so one transaction's insert of
 * the client meets the other's (a unique violation), and the loser runs again and finds the client in another space.
 * Exactly one push wins; the other is refused as a push with a client of another space or group (400
 * {@code ClientNotInGroup}), with nothing of it applied, and no push fails.
 */
@QuarkusTest
@TestProfile(ClientCreationRaceTest.TwoLanes.class)
class ClientCreationRaceTest {

    public static class TwoLanes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.sync.group-commit.lanes", "2");
        }
    }

    @Inject
    PushService pushes;

    @Inject
    AgroalDataSource dataSource;

    private final ExecutorService pushers = Executors.newFixedThreadPool(2);
    /** The times a push transaction lost a race and ran again, as {@link Transactions} logs them. */
    private final List<String> races = new CopyOnWriteArrayList<>();
    private final Logger transactionsLog = Logger.getLogger(Transactions.class.getName());
    private final Handler raceCounter = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (String.valueOf(record.getMessage()).contains("lost a race")) {
                races.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void countRaces() {
        transactionsLog.addHandler(raceCounter);
    }

    @AfterEach
    void stop() throws InterruptedException {
        transactionsLog.removeHandler(raceCounter);
        pushers.shutdownNow();
        pushers.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void theLaneThatCommitsSecondMeetsTheClientAndIsRefused() throws Exception {
        String winner = spaceInLane("hold-", "0");
        String loser = spaceInLane("t-", "1");
        Clients clients = new Clients();

        // The first push is held after its last statement, its client row written and not committed.
        Future<Response> first = pushers.submit(() -> clients.push(winner));
        HoldBeforeCommit.awaitHolding();
        Future<Response> second = pushers.submit(() -> clients.push(loser));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> insertsWaitingForALock() > 0);
        } finally {
            HoldBeforeCommit.release();
        }

        Response won = first.get(30, TimeUnit.SECONDS);
        Response lost = second.get(30, TimeUnit.SECONDS);
        assertEquals(200, won.statusCode(), won.asString());
        assertEquals(400, lost.statusCode(), lost.asString());
        assertEquals("ClientNotInGroup", lost.jsonPath().getString("error"), lost.asString());
        clients.assertOnlyApplied(winner, loser);
        assertNotEquals(List.of(), races, "the second push's insert of the client failed, and it ran again");
    }

    @Test
    void twoLanesCreatingOneClientAtTheSameMomentNeverBothWinNorFail() throws Exception {
        for (int round = 0; round < 40; round++) {
            String a = spaceInLane("t-", "0");
            String b = spaceInLane("t-", "1");
            Clients clients = new Clients();
            CyclicBarrier together = new CyclicBarrier(2);
            Future<Response> pushA = pushers.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                return clients.push(a);
            });
            Future<Response> pushB = pushers.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                return clients.push(b);
            });
            Response replyA = pushA.get(30, TimeUnit.SECONDS);
            Response replyB = pushB.get(30, TimeUnit.SECONDS);

            String replies = "round " + round + " (" + races.size() + " pushes so far lost the race and ran again): "
                    + replyA.statusCode() + " " + replyA.asString() + " / "
                    + replyB.statusCode() + " " + replyB.asString();
            assertEquals(List.of(200, 400), List.of(replyA.statusCode(), replyB.statusCode()).stream().sorted().toList(),
                    replies);
            Response lost = replyA.statusCode() == 400 ? replyA : replyB;
            assertEquals("ClientNotInGroup", lost.jsonPath().getString("error"), replies);
            if (replyA.statusCode() == 200) {
                clients.assertOnlyApplied(a, b);
            } else {
                clients.assertOnlyApplied(b, a);
            }
        }
    }

    /** A fresh space id with the prefix whose pushes the lane commits. */
    private String spaceInLane(String prefix, String lane) {
        while (true) {
            String spaceID = prefix + UUID.randomUUID();
            if (pushes.lane(spaceID).equals(lane)) {
                return spaceID;
            }
        }
    }

    /** Backends whose insert of a client waits for another transaction (to learn whether the id is taken). */
    private int insertsWaitingForALock() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement waiting = connection.prepareStatement("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO client (%'""");
                ResultSet result = waiting.executeQuery()) {
            result.next();
            return result.getInt(1);
        }
    }

    /**
     * One round's clients: a new client that both spaces' pushes bring, and one new client of each push's own. Each
     * push comes from a group of its space's own and writes two keys.
     */
    private final class Clients {
        final String shared = client();
        final Map<String, String> own = new ConcurrentHashMap<>();

        Response push(String space) {
            String mine = own.computeIfAbsent(space, id -> client());
            return Protocol.push(space, "g-" + space, mutation(shared, 1, "put", Map.of("key", "shared",
                    "value", space)), mutation(mine, 1, "put", Map.of("key", "own", "value", mine)));
        }

        /** The winner's push was applied whole, and nothing of the loser's. */
        void assertOnlyApplied(String winner, String loser) throws SQLException {
            assertEquals(Map.of("shared", winner, "own", own.get(winner)), state(winner));
            assertEquals(1, version(winner));
            assertEquals(Map.of(shared, 1, own.get(winner), 1),
                    pullOk(winner, "g-" + winner, null).getMap("lastMutationIDChanges"));

            assertEquals(Map.of(), state(loser), "nothing of the refused push was applied");
            assertEquals(0, version(loser));
            assertEquals(Map.of(), pullOk(loser, "g-" + loser, null).getMap("lastMutationIDChanges"));

            Map<String, String> rows = new TreeMap<>(Map.of(shared, winner + " g-" + winner + " 1",
                    own.get(winner), winner + " g-" + winner + " 1"));
            assertEquals(rows, clientRows(List.of(shared, own.get(winner), own.get(loser))),
                    "the client rows: the winner's two, and not the loser's own");
        }
    }

    /** The rows of these clients: space, group and last mutation id of each that exists. */
    private Map<String, String> clientRows(List<String> ids) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT id, space_id, client_group_id, last_mutation_id FROM client WHERE id = ANY (?)")) {
            select.setArray(1, connection.createArrayOf("text", ids.toArray()));
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.put(result.getString(1),
                            result.getString(2) + " " + result.getString(3) + " " + result.getLong(4));
                }
            }
        }
        return rows;
    }
}
