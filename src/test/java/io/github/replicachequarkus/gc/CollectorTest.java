package io.github.replicachequarkus.gc;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pull;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The collector: idle client groups are forgotten and told so ({@code ClientStateNotFound}); tombstones every live
 * group has pulled past are purged, and a cookie from before a purge gets the whole state. Client groups count as idle
 * after 3 s here, so a group's activity is recorded again after 0.75 s.
 */
@QuarkusTest
@TestProfile(CollectorTest.ShortIdleAge.class)
class CollectorTest {

    public static class ShortIdleAge implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.gc.client-group-max-age", "3s");
        }
    }

    private static final long IDLE = 3_500;
    private static final long RECORDED_AGAIN = 800;

    @Inject
    Collector collector;

    @TestHTTPResource("/")
    URI base;

    @Test
    void anIdleGroupIsCollectedAndThenToldItsStateIsGone() throws Exception {
        String space = space();
        String idle = group();
        String active = group();
        String idleClient = client();
        String activeClient = client();
        pushOk(space, idle, mutation(idleClient, 1, "increment", "n"));
        Thread.sleep(IDLE);
        pushOk(space, active, mutation(activeClient, 1, "increment", "n"));

        Collector.Run run = collector.run();

        assertTrue(run.collected() && run.groupsCollected() >= 1 && run.clientsDeleted() >= 1, run.toString());
        pull(space, idle, 1).then().statusCode(200).body("error", is("ClientStateNotFound"));
        push(space, idle, mutation(idleClient, 2, "increment", "n")).then().statusCode(200)
                .body("error", is("ClientStateNotFound"));
        push(space, idle, mutation(client(), 1, "increment", "n")).then().statusCode(200)
                .body("error", is("ClientStateNotFound"));
        assertEquals(Map.of("n", 2), state(space), "the data stays; the collected group's later pushes changed nothing");
        pushOk(space, active, mutation(activeClient, 2, "increment", "n"));
        assertEquals(Map.of(activeClient, 2), pullOk(space, active, null).getMap("lastMutationIDChanges"));
    }

    @Test
    void aGroupWithAnOpenSocketIsNotIdle() throws Exception {
        String space = space();
        String group = group();
        String clientID = client();
        pushOk(space, group, mutation(clientID, 1, "increment", "n"));
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(clientID, group, null);
            Thread.sleep(IDLE);
            collector.run();
            pushOk(space, group, mutation(clientID, 2, "increment", "n"));
        }
        assertEquals(Map.of("n", 2), state(space));
    }

    @Test
    void tombstonesEveryLiveGroupPulledPastArePurgedAndOlderCookiesGetTheWholeState() throws Exception {
        String space = space();
        String group = group();
        String clientID = client();
        pushOk(space, group, mutation(clientID, 1, "put", Map.of("key", "a", "value", 1)),
                mutation(clientID, 2, "put", Map.of("key", "b", "value", 2)));
        long beforeDelete = pullOk(space, group, null).getLong("cookie");
        pushOk(space, group, mutation(clientID, 3, "remove", "a"));
        long afterDelete = beforeDelete + 1;
        Thread.sleep(RECORDED_AGAIN);
        pullOk(space, group, afterDelete); // the group now holds the cookie after the delete

        Collector.Run run = collector.run();

        assertTrue(run.tombstonesPurged() >= 1, run.toString());
        List<Map<String, Object>> patch = pullOk(space, group(), beforeDelete).getList("patch");
        assertEquals(List.of(Map.of("op", "clear"), Map.of("op", "put", "key", "b", "value", 2)), patch,
                "the delete of a is gone from the history, so an older cookie starts over");
        assertEquals(List.of(), pullOk(space, group, afterDelete).getList("patch"));
    }

    @Test
    void aGroupStillBehindADeleteHoldsItsTombstoneBack() throws Exception {
        String space = space();
        String writer = group();
        String reader = group();
        String writerClient = client();
        pushOk(space, writer, mutation(writerClient, 1, "put", Map.of("key", "a", "value", 1)));
        long beforeDelete = pullOk(space, reader, null).getLong("cookie");
        pushOk(space, writer, mutation(writerClient, 2, "remove", "a"));
        Thread.sleep(RECORDED_AGAIN);
        pullOk(space, writer, beforeDelete + 1); // only the reader is behind the delete

        collector.run();

        assertEquals(List.of(Map.of("op", "del", "key", "a")), pullOk(space, reader, beforeDelete).getList("patch"),
                "the reader still learns of the delete");
    }

    private static String group() {
        return "g-" + UUID.randomUUID();
    }
}
