package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.protocol.PushRequest;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.PushRows;
import io.github.replicachequarkus.store.StorageException;

/**
 * A batch's pushes, run in turn without a database: its spaces, their stored clients and the groups' answers are given,
 * and what it would write is captured. Each mutation {@code c:1} puts {@code c/1}; {@code c:1!} puts it and then fails;
 * {@code c:1#} meets a fault of the database.
 */
class PushBatchTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIME = Duration.ofMinutes(1);

    private final Map<String, SpaceWrites> spaces = new HashMap<>();
    private final Map<String, Map<String, PushRows.Client>> stored = new HashMap<>();
    private ClientGroups.Use use = ClientGroups.Use.ALLOWED;
    /** Each question to the groups: "space/group", with " creates" when the push creates clients. */
    private final List<String> groupsAsked = new ArrayList<>();
    /** Each mutation that ran: "client:id". */
    private final List<String> ran = new ArrayList<>();
    /** Each write of the batch: its entries, clients and versions. */
    private final List<String> written = new ArrayList<>();

    @Test
    void eachPushSeesTheClientsAsThePushesBeforeItLeftThem() {
        space("s", 5);
        PushBatch batch = batch(TIME, push("s", "g", "c:1 c:2"), push("s", "g", "c:1 c:2 c:3"));

        List<GroupCommit.Result<Object>> results = batch.process();

        assertEquals(List.of("c:1", "c:2", "c:3"), ran);
        assertEquals(2, outcome(results.get(1)).skipped());
        assertEquals(List.of("s/g creates", "s/g"), groupsAsked, "the second push creates no client");
        assertEquals(Map.of("s", 6L), batch.write(this::record));
        assertEquals(List.of("entries s/c/1@6 s/c/2@6 s/c/3@6", "clients s/c=3@6 created", "versions {s=6}"), written);
    }

    @Test
    void aClientOfAnotherGroupRefusesTheWholePushBeforeItRuns() {
        space("s", 5);
        client("s", "c", "other", 1);
        PushBatch batch = batch(TIME, push("s", "g", "d:1 c:2"));

        InvalidRequestException refused = assertInstanceOf(InvalidRequestException.class,
                batch.process().get(0).failure());

        assertEquals("ClientNotInGroup", refused.code());
        assertEquals(List.of(), ran);
        assertEquals(List.of(), groupsAsked, "the group is not recorded for a push refused before");
        assertEquals(Map.of(), batch.write(this::record));
        assertEquals(List.of(), written);
    }

    @Test
    void theSameClientIDInAnotherSpaceIsAnotherClient() {
        space("s", 5);
        space("t", 8);
        client("t", "c", "other", 7);
        PushBatch batch = batch(TIME, push("s", "g", "c:1"));

        assertNull(batch.process().get(0).failure());

        assertEquals(List.of("c:1"), ran);
        batch.write(this::record);
        assertEquals("clients s/c=1@6 created", written.get(1));
    }

    @Test
    void aPushToASpaceThatDoesNotExistIsRefused() {
        PushBatch batch = batch(TIME, push("s", "g", "c:1"));

        InvalidRequestException refused = assertInstanceOf(InvalidRequestException.class,
                batch.process().get(0).failure());

        assertEquals(404, refused.status());
        assertEquals("SpaceNotFound", refused.code());
        assertEquals(List.of(), groupsAsked);
    }

    @ParameterizedTest
    @EnumSource(value = ClientGroups.Use.class, names = { "COLLECTED", "ANOTHER_USERS" })
    void aGroupThePushMayNotUseRefusesIt(ClientGroups.Use refusal) {
        space("s", 5);
        use = refusal;
        PushBatch batch = batch(TIME, push("s", "g", "c:1"));

        RuntimeException failure = batch.process().get(0).failure();

        Class<? extends RuntimeException> expected = refusal == ClientGroups.Use.COLLECTED
                ? PushBatch.ClientGroupCollected.class
                : ForbiddenException.class;
        assertInstanceOf(expected, failure);
        assertEquals(List.of(), ran);
        assertEquals(Map.of(), batch.write(this::record));
    }

    @Test
    void aFailedMutationAdvancesItsClientAndLeavesNoWrites() {
        space("s", 5);
        PushBatch batch = batch(TIME, push("s", "g", "c:1 c:2! c:3"));

        PushLoop.Outcome outcome = outcome(batch.process().get(0));

        assertEquals(List.of("it failed"), outcome.failures().stream().map(PushLoop.Failure::reason).toList());
        batch.write(this::record);
        assertEquals(List.of("entries s/c/1@6 s/c/3@6", "clients s/c=3@6 created", "versions {s=6}"), written);
    }

    @Test
    void aFaultOfTheDatabaseAbortsTheBatch() {
        space("s", 5);
        PushBatch batch = batch(TIME, push("s", "g", "c:1 c:2#"));

        assertThrows(StorageException.class, batch::process);
    }

    @Test
    void aBatchOutOfTimeStillRunsOneMutationAndLeavesTheRestForLater() {
        space("s", 5);
        PushBatch batch = batch(Duration.ZERO, push("s", "g", "c:1 c:2"), push("s", "g", "d:1"));

        List<GroupCommit.Result<Object>> results = batch.process();

        assertEquals(List.of("c:1"), ran);
        assertEquals(Map.of("c", 1L), outcome(results.get(0)).lastMutationIDs());
        assertTrue(outcome(results.get(0)).outOfTime());
        assertTrue(outcome(results.get(1)).outOfTime());
        assertEquals(1, outcome(results.get(1)).deferred());
    }

    @Test
    void onlyTheSpacesThePushesChangedAreWrittenAndAStoredClientIsAdvanced() {
        space("s", 5);
        space("t", 8);
        client("s", "c", "g", 2);
        client("t", "d", "g", 3);
        PushBatch batch = batch(TIME, push("t", "g", "d:1 d:2 d:3"), push("s", "g", "c:2 c:3"));

        batch.process();

        assertEquals(Map.of("s", 6L), batch.write(this::record));
        assertEquals(List.of("entries s/c/3@6", "clients s/c=3@6", "versions {s=6}"), written);
    }

    @Test
    void aBatchThatChangedNothingWritesNothing() {
        space("s", 5);
        client("s", "c", "g", 2);
        PushBatch batch = batch(TIME, push("s", "g", "c:1 c:2"));

        batch.process();

        assertEquals(Map.of(), batch.write(this::record));
        assertEquals(List.of(), written);
    }

    @Test
    void eachMutationRunsAsItsPushsUser() {
        space("s", 5);
        List<String> seen = new ArrayList<>();
        Mutation first = new Mutation("c", 1L, "whoami", null, null);
        Mutation second = new Mutation("d", 1L, "whoami", null, null);
        PushBatch.Parsed whoami = new PushBatch.Parsed(
                tx -> seen.add(tx.userID().orElse("anyone") + " " + tx.clientID() + ":" + tx.mutationID()), List.of(),
                null);
        PushBatch batch = batch(TIME,
                new PushBatch.Push("s", new PushRequest(1, "g", List.of(first), "profile", ""), Optional.of("ann"),
                        Map.of(first, whoami), Set.of()),
                new PushBatch.Push("s", new PushRequest(1, "h", List.of(second), "profile", ""), Optional.empty(),
                        Map.of(second, whoami), Set.of()));

        batch.process();

        assertEquals(List.of("ann c:1", "anyone d:1"), seen);
    }

    private void space(String spaceID, long version) {
        spaces.put(spaceID, new SpaceWrites(new NoRows(), spaceID, version, MAPPER, 1024, 1 << 20));
    }

    private void client(String spaceID, String id, String group, long lastMutationID) {
        stored.computeIfAbsent(spaceID, s -> new HashMap<>()).put(id, new PushRows.Client(id, group, spaceID,
                lastMutationID));
    }

    private PushBatch batch(Duration time, PushBatch.Push... pushes) {
        return new PushBatch(List.of(pushes), spaces, stored, (spaceID, group, createsClients, userID) -> {
            groupsAsked.add(spaceID + "/" + group + (createsClients ? " creates" : ""));
            return use;
        }, time);
    }

    private PushBatch.Push push(String spaceID, String group, String texts) {
        List<Mutation> mutations = new ArrayList<>();
        Map<Mutation, PushBatch.Parsed> parsed = new IdentityHashMap<>();
        for (String text : texts.split(" ")) {
            String[] parts = text.replaceAll("[!#]$", "").split(":");
            Mutation mutation = new Mutation(parts[0], Long.parseLong(parts[1]), "put", null, null);
            mutations.add(mutation);
            parsed.put(mutation, new PushBatch.Parsed(tx -> {
                ran.add(parts[0] + ":" + parts[1]);
                tx.put(parts[0] + "/" + parts[1], true);
                if (text.endsWith("!")) {
                    throw new IllegalStateException("it failed");
                }
                if (text.endsWith("#")) {
                    throw new StorageException("the database went away", new SQLException("gone", "08006"));
                }
            }, List.of(), null));
        }
        return new PushBatch.Push(spaceID, new PushRequest(1, group, mutations, "profile", ""), Optional.empty(), parsed,
                Set.of());
    }

    private void record(List<PushRows.EntryWrite> entries, List<PushRows.ClientWrite> clients,
            Map<String, Long> versions) {
        written.add("entries " + String.join(" ", entries.stream()
                .map(entry -> entry.spaceID() + "/" + entry.key() + "@" + entry.version()).toList()));
        written.add("clients " + String.join(" ", clients.stream().map(client -> client.spaceID() + "/" + client.id()
                + "=" + client.lastMutationID() + "@" + client.version() + (client.created() ? " created" : "")).toList()));
        written.add("versions " + versions);
    }

    private static PushLoop.Outcome outcome(GroupCommit.Result<Object> result) {
        assertNull(result.failure());
        return (PushLoop.Outcome) result.value();
    }

    /** A space whose rows hold nothing the batch did not read ahead. */
    private static final class NoRows implements SpaceWrites.Rows {
        @Override
        public PushRows.Stored entry(String key) {
            return null;
        }

        @Override
        public Map<String, String> liveWithPrefix(String prefix) {
            return Map.of();
        }
    }
}
