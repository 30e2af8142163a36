package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.URL;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.NodeTests;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The real Replicache 15.3.0 client (in Node) against the packaged application, in token mode. */
@QuarkusIntegrationTest
@WithTestResource(value = AuthModes.Token.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ReplicacheClientIT {

    @TestHTTPResource("/")
    URL server;

    @BeforeEach
    void needsNode() {
        assumeFalse(Boolean.getBoolean("skipE2e"), "end-to-end tests skipped (-DskipE2e)");
    }

    @Test
    void twoClientGroupsConvergeOverHttpPushAndPull() throws Exception {
        NodeTests.run("http-sync.test.mjs", server);
    }

    @Test
    void threeClientsConvergeOverTheRoomSocket() throws Exception {
        NodeTests.run("socket-sync.test.mjs", server);
    }

    @Test
    void clientsSeeTheBackendsWritesAndLetADeletedSpaceGo() throws Exception {
        NodeTests.run("server-api.test.mjs", server);
    }
}
