package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** One push of slow mutators cannot hold its lane, and every other space on it, for longer than the batch's time. */
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
    void aSlowPushIsCutAtTheBatchTimeAndAnotherSpaceIsServedMeanwhile() throws Exception {
        String slow = space();
        String quick = space();
        String clientID = client();
        List<Map<String, Object>> mutations = new ArrayList<>();
        for (int id = 1; id <= 20; id++) {
            mutations.add(mutation(clientID, id, "slowIncrement", "n")); // 100 ms each: 2 s in all
        }
        @SuppressWarnings("unchecked")
        Map<String, Object>[] all = mutations.toArray(Map[]::new);
        CompletableFuture<Integer> slowPush = CompletableFuture.supplyAsync(() -> push(slow, "g-slow", all).statusCode());
        Thread.sleep(50);
        long start = System.nanoTime();
        push(quick, "g-quick", mutation(client(), 1, "increment", "n")).then().statusCode(200);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(200, slowPush.get());
        assertTrue(waited.toMillis() < 1_800, "the other space's push waited " + waited.toMillis()
                + " ms: the slow push held the lane for all of its 2 s");

        long applied = pullOk(slow, "g-slow", null).getLong("lastMutationIDChanges." + clientID);
        assertTrue(applied >= 1 && applied < 20, "the first push was cut after its batch's time: " + applied + " ran");
        for (int round = 0; round < 20 && applied < 20; round++) {
            push(slow, "g-slow", all).then().statusCode(200); // the client re-sends what is not confirmed
            applied = pullOk(slow, "g-slow", null).getLong("lastMutationIDChanges." + clientID);
        }
        assertEquals(20, applied, "re-sent, every mutation ran");
        assertEquals(20, pullOk(slow, "g-other", null).getInt("patch.find { it.key == 'n' }.value"), "each ran once");
    }
}
