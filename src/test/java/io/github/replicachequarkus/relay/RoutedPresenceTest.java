package io.github.replicachequarkus.relay;

import static io.github.replicachequarkus.testing.PresenceFrames.presence;
import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.relay.RoomMessage.Kind;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With routing on each room lives on one machine: its presence and broadcasts stay there, and cost the relay nothing. */
@QuarkusTest
@TestProfile(RoutedPresenceTest.RoutingOn.class)
class RoutedPresenceTest {

    public static class RoutingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.routing.machine-id", "m-routed", "replicache.routing.app", "app-routed",
                    "replicache.routing.replay-secret", "a replay secret for the routed presence test");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Relay relay;

    @Test
    void presenceAndBroadcastsAreNotRelayed() throws Exception {
        await().atMost(WAIT).until(relay::listening);
        String space = space();
        String ana = client();
        try (FakeMachine other = FakeMachine.start();
                TestSocket a = TestSocket.open(base, space);
                TestSocket b = TestSocket.open(base, space)) {
            assertNotNull(other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT_WANTED), WAIT),
                    "the relay knows the other machine");
            a.hello(ana, "g-a", null);
            b.hello(client(), "g-b", null);
            a.nextEvent();
            b.nextEvent();

            a.send(presence(Map.of("x", 1)));
            a.send(Map.of("messageType", "broadcast", "event", "hi"));
            // a broadcast goes out at once, presence at the room's next flush: either may come first
            Map<String, JsonNode> told = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonNode event = b.nextEvent();
                told.put(event.path("message").asText(), event);
            }
            assertEquals(Set.of("presence", "broadcast"), told.keySet(), "the room's own sockets are told");
            assertEquals(1, told.get("presence").path("changes").get(0).path("state").path("x").asInt());

            assertNull(other.next(relay.machine(),
                    m -> FakeMachine.is(m, Kind.PRESENCE) || FakeMachine.is(m, Kind.BROADCAST), Duration.ofSeconds(1)));
        }
    }
}
