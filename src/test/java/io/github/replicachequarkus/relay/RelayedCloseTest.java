package io.github.replicachequarkus.relay;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.relay.RoomMessage.Kind;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Closing a room's sockets reaches every machine: this one tells the others, and closes its own when told. */
@QuarkusTest
class RelayedCloseTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Relay relay;

    @Test
    void aCloseHereIsRelayedToTheOtherMachines() throws Exception {
        await().atMost(WAIT).until(relay::listening);
        String space = space();
        pushOk(space, "g", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        try (FakeMachine other = FakeMachine.start()) {
            assertNotNull(other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT_WANTED), WAIT),
                    "the relay knows the other machine");

            given().post("/api/spaces/" + space + "/sockets/close").then().statusCode(200).body("closed", is(0));

            RoomMessage close = other.next(relay.machine(), m -> FakeMachine.is(m, Kind.CLOSE), WAIT);
            assertNotNull(close, "the other machines are told");
            assertEquals(space, close.spaceID());
        }
    }

    @Test
    void aCloseFromAnotherMachineClosesTheSocketsHereWith4010() throws Exception {
        await().atMost(WAIT).until(relay::listening);
        String space = space();
        try (FakeMachine other = FakeMachine.start();
                TestSocket socket = TestSocket.open(base, space);
                TestSocket elsewhere = TestSocket.open(base, space())) {
            socket.hello(client(), "g-" + space, null);
            elsewhere.hello(client(), "g-other", null);

            other.send(Kind.CLOSE, space, "");

            assertEquals(4010, socket.closeCode());
            elsewhere.expectNothingFor(Duration.ofMillis(500));
            assertEquals(null, elsewhere.closeCodeNow(), "another space's socket stays open");
        }
    }
}
