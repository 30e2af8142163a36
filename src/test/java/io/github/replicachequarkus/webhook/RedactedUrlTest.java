package io.github.replicachequarkus.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An endpoint's URL as the server API shows it: whatever may hold a secret is hidden. */
class RedactedUrlTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://hooks.example.com/replicache | https://hooks.example.com/replicache",
            "https://user:pass@hooks.example.com:8443/in | https://***@hooks.example.com:8443/in",
            "https://hooks.example.com/in?token=abc&v=2 | https://hooks.example.com/in?token=***&v=***",
            "http://localhost:9000/in?flag | http://localhost:9000/in?flag",
            "https://h.example.com/in#frag | https://h.example.com/in" })
    void userInfoAndQueryValuesAreHidden(String url, String shown) {
        assertEquals(shown, WebhookAdmin.redacted(url));
    }
}
