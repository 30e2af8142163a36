package io.github.replicachequarkus.webhook;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** An endpoint whose settings cannot work stops the start, and the message names the key. */
class WebhookSettingsTest {

    private record Settings(String url, String secret, Duration timeout, Duration pollInterval)
            implements
                WebhookConfig.Endpoint {

        Settings(String url, String secret) {
            this(url, secret, Duration.ofSeconds(10), Duration.ofSeconds(1));
        }

        public boolean includeValues() {
            return false;
        }

        public Duration horizon() {
            return Duration.ofHours(24);
        }

        public Duration batchWindow() {
            return Duration.ofSeconds(1);
        }

        public Duration minBackoff() {
            return Duration.ofSeconds(5);
        }

        public Duration maxBackoff() {
            return Duration.ofHours(1);
        }

        public int maxInFlight() {
            return 16;
        }

        public Duration deadRetention() {
            return Duration.ofDays(7);
        }
    }

    private static String refused(WebhookConfig.Endpoint settings) {
        return assertThrows(IllegalStateException.class, () -> Webhooks.check("orders", settings)).getMessage();
    }

    @Test
    void aUsableEndpointPasses() {
        Webhooks.check("orders", new Settings("https://example.com/hooks", SignerTest.SECRET));
    }

    @Test
    void aRawSecretStopsTheStartNamingTheKey() {
        String message = refused(new Settings("https://example.com/hooks", "correct horse battery staple, long enough"));
        assertTrue(message.startsWith("replicache.webhooks.orders.secret"), message);
        assertTrue(message.contains("whsec_"), message);
    }

    @Test
    void aUrlThatIsNotHttpStopsTheStart() {
        assertTrue(
                refused(new Settings("ftp://example.com/x", SignerTest.SECRET)).startsWith("replicache.webhooks.orders.url"));
        assertTrue(refused(new Settings("/relative", SignerTest.SECRET)).startsWith("replicache.webhooks.orders.url"));
        assertTrue(
                refused(new Settings("http://exa mple.com", SignerTest.SECRET)).startsWith("replicache.webhooks.orders.url"));
    }

    @Test
    void aTimeoutOrPollIntervalOfZeroStopsTheStart() {
        assertTrue(refused(new Settings("http://localhost/x", SignerTest.SECRET, Duration.ZERO, Duration.ofSeconds(1)))
                .contains("timeout"));
        assertTrue(refused(new Settings("http://localhost/x", SignerTest.SECRET, Duration.ofSeconds(1), Duration.ZERO))
                .contains("poll-interval"));
    }
}
