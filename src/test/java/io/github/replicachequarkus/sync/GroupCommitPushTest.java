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
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Pushes that arrive while their lane's transaction runs are committed together, in one transaction with one version
 * per space, and each keeps its own result. The first space's row is held locked from outside so they pile up.
 */
@QuarkusTest
class GroupCommitPushTest {

    @Inject
    PushService pushes;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void pushesWaitingForTheSpaceAreCommittedTogetherInOneVersion() throws Exception {
        String space = space();
        pushOk(space, "g0", mutation(client(), 1, "increment", "counter"));

        List<String> clients = new ArrayList<>();
        List<Supplier<Response>> work = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String clientID = client();
            clients.add(clientID);
            String group = "g" + (i % 3);
            work.add(() -> push(space, group, mutation(clientID, 1, "increment", "counter"),
                    mutation(clientID, 2, "put", Map.of("key", "by-" + clientID, "value", clientID))));
        }
        List<Response> replies = whileLocked(space, work);

        replies.forEach(reply -> assertEquals(200, reply.statusCode(), reply.asString()));
        assertEquals(13, state(space).get("counter"), "every push applied");
        assertEquals(3, version(space), "the first push's version, then one for all that waited behind it");
        for (int g = 0; g < 3; g++) {
            Map<String, Object> confirmed = pullOk(space, "g" + g, 1).getMap("lastMutationIDChanges");
            assertEquals(4, confirmed.size(), "each group sees its own clients' confirmations");
            confirmed.values().forEach(id -> assertEquals(2, id));
        }
    }

    @Test
    void aRejectedPushInABatchChangesNothingAndTheOthersApply() throws Exception {
        String space = space();
        String stranger = client();
        pushOk(space, "g-other", mutation(stranger, 1, "increment", "counter"));
        String c1 = client();
        String c2 = client();
        String c3 = client();

        List<Response> replies = whileLocked(space, List.of(
                () -> push(space, "g1", mutation(c1, 1, "put", Map.of("key", "one", "value", 1))),
                () -> push(space, "g2", mutation(c2, 1, "put", Map.of("key", "two", "value", 2)),
                        mutation(stranger, 2, "put", Map.of("key", "stolen", "value", true))),
                () -> push(space, "g3", mutation(c3, 1, "writeThenFail", "three"),
                        mutation(c3, 2, "put", Map.of("key", "three", "value", 3)))));

        assertEquals(200, replies.get(0).statusCode());
        assertEquals(400, replies.get(1).statusCode());
        assertEquals("ClientNotInGroup", replies.get(1).jsonPath().getString("error"));
        assertEquals(200, replies.get(2).statusCode());
        assertEquals(Map.of("counter", 1, "one", 1, "three", 3), state(space),
                "the rejected push wrote nothing, the failed mutation's writes vanished");
        assertEquals(Map.of(), pullOk(space, "g2", null).getMap("lastMutationIDChanges"),
                "the rejected push confirmed nothing");
        assertEquals(Map.of(c3, 2), pullOk(space, "g3", null).getMap("lastMutationIDChanges"));
    }

    @Test
    void aClientCreatedEarlierInTheBatchCannotBeClaimedByAnotherGroupLaterInIt() throws Exception {
        String space = space();
        pushOk(space, "g0", mutation(client(), 1, "increment", "counter"));
        String shared = client();

        List<Response> replies = whileLocked(space, List.of(
                () -> push(space, "g0", mutation(client(), 1, "increment", "counter")),
                () -> push(space, "g1", mutation(shared, 1, "put", Map.of("key", "first", "value", 1))),
                () -> push(space, "g2", mutation(shared, 2, "put", Map.of("key", "second", "value", 2)))));

        assertEquals(List.of(200, 200, 400), replies.stream().map(Response::statusCode).toList());
        assertEquals(Map.of("counter", 2, "first", 1), state(space));
    }

    @Test
    void pushesToSeveralSpacesOfALaneAreCommittedInOneTransactionEachWithItsOwnVersion() throws Exception {
        String first = space();
        String second = spaceInLaneOf(first);
        String third = spaceInLaneOf(first);
        pushOk(first, "g0", mutation(client(), 1, "increment", "counter"));
        pushOk(second, "g0", mutation(client(), 1, "increment", "counter"));
        String stranger = client();
        pushOk(second, "g-other", mutation(stranger, 1, "increment", "counter"));
        String a = client();
        String b = client();
        String c = client();

        List<Response> replies = whileLocked(first, List.of(
                () -> push(first, "g1", mutation(a, 1, "increment", "counter")), // leads, alone, waiting for the lock
                () -> push(second, "g1", mutation(b, 1, "increment", "counter")),
                () -> push(third, "g1", mutation(c, 1, "put", Map.of("key", "x", "value", 1))),
                () -> push(first, "g1", mutation(a, 2, "increment", "counter")),
                () -> push(second, "g2", mutation(stranger, 2, "put", Map.of("key", "stolen", "value", true)))));

        assertEquals(List.of(200, 200, 200, 200, 400), replies.stream().map(Response::statusCode).toList());
        assertEquals("ClientNotInGroup", replies.get(4).jsonPath().getString("error"));
        assertEquals(Map.of("counter", 3), state(first));
        assertEquals(Map.of("counter", 3), state(second));
        assertEquals(Map.of("counter", 3), state(second), "the rejected push wrote nothing");
        assertEquals(Map.of("x", 1), state(third), "the space was created in the batch");
        assertEquals(List.of(3L, 3L, 1L), List.of(version(first), version(second), version(third)),
                "each space got one new version");
        assertEquals(1, writers(first, second, third), "the three spaces changed in one transaction");
        assertEquals(Map.of(a, 2), pullOk(first, "g1", 1).getMap("lastMutationIDChanges"));
    }

    /** A new space whose pushes go through the same lane as the given one's. */
    private String spaceInLaneOf(String space) {
        while (true) {
            String candidate = space();
            if (pushes.lane(candidate).equals(pushes.lane(space))) {
                return candidate;
            }
        }
    }

    /** How many transactions last wrote the spaces' rows (PostgreSQL's xmin is the writing transaction's id). */
    private long writers(String... spaces) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection
                        .prepareStatement("SELECT count(DISTINCT xmin::text) FROM space WHERE id = ANY (?)")) {
            select.setArray(1, connection.createArrayOf("text", spaces));
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /**
     * Push transactions waiting to lock their spaces' rows. Asked on a connection of its own each time: within one
     * transaction PostgreSQL answers pg_stat_activity from the snapshot it took first.
     */
    private int pushesWaitingForTheirSpaces() throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement waiting = connection.prepareStatement("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE '%FROM space WHERE id = ANY%FOR UPDATE%'""");
                ResultSet rows = waiting.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /**
     * Sends each push from a thread of its own, in order, while another transaction holds the space's row: the first
     * waits in its transaction (the next is sent only once it does, or the next could lead instead), the others queue
     * behind it. Then lets go and returns the replies in order.
     */
    private List<Response> whileLocked(String space, List<Supplier<Response>> work) throws Exception {
        try (Connection lock = dataSource.getConnection(); ExecutorService pool = Executors.newCachedThreadPool()) {
            lock.setAutoCommit(false);
            try (PreparedStatement select = lock.prepareStatement("SELECT version FROM space WHERE id = ? FOR UPDATE")) {
                select.setString(1, space);
                select.executeQuery().close();
            }
            List<CompletableFuture<Response>> replies = new ArrayList<>();
            for (int i = 0; i < work.size(); i++) {
                replies.add(CompletableFuture.supplyAsync(work.get(i), pool));
                if (i == 0) { // the first is not queued: it leads, and must be waiting for the lock before the next
                    await().atMost(Duration.ofSeconds(10)).until(() -> pushesWaitingForTheirSpaces() == 1);
                } else {
                    int queued = i;
                    await().atMost(Duration.ofSeconds(10)).until(() -> pushes.queued(space) == queued);
                }
            }
            lock.commit();
            List<Response> result = new ArrayList<>();
            for (CompletableFuture<Response> reply : replies) {
                result.add(reply.get());
            }
            return result;
        }
    }
}
