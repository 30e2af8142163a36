package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * One push of slow mutators cannot hold its lane, and every other space on it, for longer than the batch's time: the
 * server runs the rest of it in later batches, taking turns with the other spaces, and answers once all of it ran.
 */
@QuarkusTest
@TestProfile(LaneFairnessTest.OneLane.class)
class LaneFairnessTest {

    public static class OneLane implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.sync.group-commit.lanes", "1", "replicache.sync.group-commit.max-batch-time",
                    "300ms");
        }
    }

    @Test
    void aSlowPushTakesTurnsWithAnotherSpaceAndAllOfItRuns() throws Exception {
        String slow = space();
        String quick = space();
        String clientID = client();
        push(space(), "g-warm", mutation(client(), 1, "increment", "n")).then().statusCode(200); // a warm server
        List<Map<String, Object>> mutations = new ArrayList<>();
        for (int id = 1; id <= 20; id++) {
            mutations.add(mutation(clientID, id, "slowIncrement", "n")); // 100 ms each: 2 s in all
        }
        @SuppressWarnings("unchecked")
        Map<String, Object>[] all = mutations.toArray(Map[]::new);
        CompletableFuture<Integer> slowPush = CompletableFuture.supplyAsync(() -> push(slow, "g-slow", all).statusCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> ran(slow, clientID) >= 1); // its first batch committed

        push(quick, "g-quick", mutation(client(), 1, "increment", "n")).then().statusCode(200);
        long ranMeanwhile = ran(slow, clientID);
        assertFalse(slowPush.isDone(), "the other space's push was answered while the slow push still ran");
        assertTrue(ranMeanwhile < 20, "the other space's push waited for all of the slow push: " + ranMeanwhile);

        assertEquals(200, slowPush.get());
        assertEquals(20, ran(slow, clientID),
                "answered once every mutation ran, in several batches, without the client sending any again");
        assertEquals(20, pullOk(slow, "g-other", null).getInt("patch.find { it.key == 'n' }.value"), "each ran once");
    }

    /** How many of the client's mutations the space has processed. */
    private static long ran(String space, String clientID) {
        return pullOk(space, "g-slow", null).getLong("lastMutationIDChanges." + clientID);
    }
}
