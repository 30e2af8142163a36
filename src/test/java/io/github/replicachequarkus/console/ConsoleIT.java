package io.github.replicachequarkus.console;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.NodeTests;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The operator console, as the packaged application serves it in token mode, in headless Chromium (Debian's package;
 * never a downloaded browser) beside two people on a list in the todo app. Leaves the screenshot docs/console.png.
 */
@QuarkusIntegrationTest
@WithTestResource(value = AuthModes.Token.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ConsoleIT {

    @TestHTTPResource("/")
    URL server;

    @Test
    void anOperatorWatchesAListLiveAndDeletesIt() throws Exception {
        assumeFalse(Boolean.getBoolean("skipE2e"), "end-to-end tests skipped (-DskipE2e)");
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
        assertTrue(Files.isExecutable(chromium), "the browser test needs Chromium at " + chromium
                + " (apt-get install chromium, or set CHROMIUM_PATH; -DskipE2e skips it)");
        NodeTests.run(Path.of("src", "main", "webui"), "e2e/console.test.mjs", server);
    }
}
