package io.github.replicachequarkus.routing;

import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A router machine never hosts rooms: it sends every socket to the room's machine in the backend app. */
@QuarkusTest
@TestProfile(RouterModeTest.Router.class)
class RouterModeTest {

    static final String SECRET = "the replay secret of the router test";

    public static class Router implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.routing.machine-id", "r-1", "replicache.routing.app", "router-app",
                    "replicache.routing.mode", "router", "replicache.routing.backend-app", "backend-app",
                    "replicache.routing.replay-secret", SECRET);
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void everySocketIsReplayedToTheBackendMachineThatHostsTheRoom() throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement machine = connection.prepareStatement(
                        "INSERT INTO machine (id, app, region) VALUES ('b-1', 'backend-app', 'ams') ON CONFLICT (id) DO UPDATE"
                                + " SET heartbeat_at = now()")) {
            machine.execute();
        }
        String space = space();

        HttpResponse<?> refusal = TestSocket.refusedUpgrade(base, space, Map.of());

        assertEquals(421, refusal.statusCode());
        String replay = refusal.headers().firstValue("fly-replay").orElseThrow();
        assertTrue(replay.startsWith("app=backend-app;instance=b-1;state="), replay);
        String state = replay.substring(replay.indexOf("state=") + 6);
        assertEquals("b-1", new ReplayState(SECRET).verify(state, space, Instant.now()).orElseThrow());

        // Even a genuine state naming the router itself does not make it host a room.
        String toRouter = new ReplayState(SECRET).sign(space, "r-1", Instant.now().plusSeconds(30));
        assertEquals(421, TestSocket.refusedUpgrade(base, space, Map.of("fly-replay-src", "instance=r-1;state=" + toRouter))
                .statusCode());
    }
}
