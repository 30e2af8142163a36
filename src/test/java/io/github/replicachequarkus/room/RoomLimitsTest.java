package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A full room refuses newcomers and keeps serving the sockets it has; a full machine refuses new rooms. */
@QuarkusTest
@TestProfile(RoomLimitsTest.Small.class)
class RoomLimitsTest {

    public static class Small implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.room.max-sockets-per-room", "2", "replicache.room.max-rooms", "2");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aFullRoomRefusesNewcomersAndAFullMachineNewRooms() {
        String space = space();
        try (TestSocket first = TestSocket.open(base, space); TestSocket second = TestSocket.open(base, space)) {
            first.hello(client(), "g1", null);
            second.hello(client(), "g2", null);

            try (TestSocket third = TestSocket.open(base, space)) {
                third.send(Map.of("messageType", "hello", "clientID", client(), "clientGroupID", "g3"));
                assertEquals(1013, third.closeCode(), "a newcomer's hello finds the room full");
            }
            pushOk(space, "g3", mutation(client(), 1, "increment", "n"));
            assertEquals("poke", first.next().get("message").asText(), "the room's sockets are still served");
            assertEquals("poke", second.next().get("message").asText());

            try (TestSocket otherRoom = TestSocket.open(base, space())) {
                otherRoom.hello(client(), "g1", null);
                try (TestSocket thirdRoom = TestSocket.open(base, space())) {
                    thirdRoom.send(Map.of("messageType", "hello", "clientID", client(), "clientGroupID", "g1"));
                    assertEquals(1013, thirdRoom.closeCode(), "a new room's first hello finds the machine full");
                }
            }
        }
    }
}
