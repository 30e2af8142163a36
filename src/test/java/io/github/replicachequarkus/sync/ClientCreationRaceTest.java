package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import io.github.replicachequarkus.store.Transactions;
import io.github.replicachequarkus.testing.Protocol;
import io.github.replicachequarkus.testing.TestMutators.HoldBeforeCommit;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Two group-commit lanes create a client with the same id at once, each in a space of its own. A client id is a key
 * within its space, so these are two clients: neither transaction waits for the other's row, neither loses a race,
 * both pushes are applied whole, and each space has its own row for the id.
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
    void aLaneCreatesTheClientInItsSpaceWhileAnotherLanesNewClientOfThatIdIsUncommitted() throws Exception {
        String held = spaceInLane("hold-", "0");
        String other = spaceInLane("t-", "1");
        Clients clients = new Clients();

        // The first push is held after its last statement, its client row written and not committed.
        Future<Response> first = pushers.submit(() -> clients.push(held));
        HoldBeforeCommit.awaitHolding();
        Response second;
        try {
            second = pushers.submit(() -> clients.push(other)).get(20, TimeUnit.SECONDS);
        } finally {
            HoldBeforeCommit.release();
        }
        assertEquals(200, second.statusCode(), second.asString());
        Response firstReply = first.get(30, TimeUnit.SECONDS);
        assertEquals(200, firstReply.statusCode(), firstReply.asString());

        clients.assertApplied(held);
        clients.assertApplied(other);
        assertEquals(List.of(), races, "no push's insert of a client met the other's");
    }

    @Test
    void twoLanesCreatingOneClientIdInTheirOwnSpacesAtTheSameMomentBothWin() throws Exception {
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

            String replies = "round " + round + ": " + replyA.statusCode() + " " + replyA.asString() + " / "
                    + replyB.statusCode() + " " + replyB.asString();
            assertEquals(List.of(200, 200), List.of(replyA.statusCode(), replyB.statusCode()), replies);
            clients.assertApplied(a);
            clients.assertApplied(b);
        }
        assertEquals(List.of(), races, "no push's insert of a client met the other's");
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

    /**
     * One round's clients: a new client id that both spaces' pushes bring, and one new client of each push's own. Each
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

        /** The space's push was applied whole, with a row of its own for the shared id. */
        void assertApplied(String space) throws SQLException {
            assertEquals(Map.of("shared", space, "own", own.get(space)), state(space));
            assertEquals(1, version(space));
            assertEquals(Map.of(shared, 1, own.get(space), 1),
                    pullOk(space, "g-" + space, null).getMap("lastMutationIDChanges"));
            assertEquals(new TreeMap<>(Map.of(shared, "g-" + space + " 1", own.get(space), "g-" + space + " 1")),
                    clientRows(space), "the space's client rows");
        }

        /** The rows of the round's clients in the space: group and last mutation id of each. */
        private Map<String, String> clientRows(String space) throws SQLException {
            Map<String, String> rows = new TreeMap<>();
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement select = connection.prepareStatement("""
                            SELECT id, client_group_id, last_mutation_id FROM client
                            WHERE space_id = ? AND id = ANY (?)""")) {
                select.setString(1, space);
                select.setArray(2, connection.createArrayOf("text", new Object[] { shared, own.get(space) }));
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        rows.put(result.getString(1), result.getString(2) + " " + result.getLong(3));
                    }
                }
            }
            return rows;
        }
    }
}
