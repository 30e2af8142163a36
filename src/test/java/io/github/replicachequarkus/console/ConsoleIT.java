package io.github.replicachequarkus.console;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.NodeTests;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The operator console, as the packaged application serves it in token mode, in headless Chromium (Debian's package;
 * never a downloaded browser) beside two people on a list in the todo app. Leaves its screenshots in target/console*.png.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ConsoleIT.TokenModeWithAFailingWebhook.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ConsoleIT {

    /**
     * Token mode, and a webhook endpoint that refuses every connection (port 1) and gives up on a delivery a second
     * after its first attempt: every change soon makes a dead delivery for the console to show and retry.
     */
    public static class TokenModeWithAFailingWebhook implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            String key = Base64.getEncoder()
                    .encodeToString("console-it-signing-key-of-32-by".getBytes(StandardCharsets.US_ASCII));
            return AuthModes.tokenMode(Map.of(
                    "replicache.webhooks.refused.url", "http://127.0.0.1:1/hooks",
                    "replicache.webhooks.refused.secret", "whsec_" + key,
                    "replicache.webhooks.refused.batch-window", "0s",
                    "replicache.webhooks.refused.min-backoff", "100ms",
                    "replicache.webhooks.refused.max-backoff", "200ms",
                    "replicache.webhooks.refused.horizon", "1s",
                    "replicache.webhooks.refused.poll-interval", "200ms",
                    "replicache.webhooks.refused.timeout", "1s"));
        }

        @Override
        public void stop() {
        }
    }

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
