package io.github.replicachequarkus.webhook;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;

/**
 * What one endpoint's deliveries do, for Prometheus ({@code /q/metrics}), tagged with the endpoint's name: attempts by
 * outcome, retries, the dead deliveries kept, and the lag. The counters count this machine's attempts; the gauges are
 * read from the database, so every machine reports the same endpoint-wide figures.
 */
final class WebhookMetrics {

    private final Counter delivered;
    private final Counter failed;
    private final Counter dead;
    private final Counter retries;
    private volatile double lag;
    private volatile long deadKept;

    WebhookMetrics(MeterRegistry registry, String endpoint) {
        this.delivered = outcome(registry, endpoint, "delivered");
        this.failed = outcome(registry, endpoint, "failed");
        this.dead = outcome(registry, endpoint, "dead");
        this.retries = Counter.builder("replicache.webhooks.retries")
                .description("Attempts of webhook deliveries that had failed before").tag("endpoint", endpoint)
                .register(registry);
        TimeGauge.builder("replicache.webhooks.lag", this, TimeUnit.SECONDS, metrics -> metrics.lag)
                .description("Age of the oldest committed change not yet delivered to the endpoint (nor dead)")
                .tag("endpoint", endpoint).strongReference(true).register(registry);
        Gauge.builder("replicache.webhooks.dead", this, metrics -> metrics.deadKept)
                .description("Dead webhook deliveries kept for inspection").tag("endpoint", endpoint)
                .strongReference(true).register(registry);
    }

    private static Counter outcome(MeterRegistry registry, String endpoint, String outcome) {
        return Counter.builder("replicache.webhooks.deliveries")
                .description("Webhook delivery attempts by outcome: delivered (2xx), failed (retried later), dead"
                        + " (failed past the horizon)")
                .tag("endpoint", endpoint).tag("outcome", outcome).register(registry);
    }

    void delivered() {
        delivered.increment();
    }

    /** An attempt failed, and the delivery will be tried again. */
    void failed() {
        failed.increment();
    }

    /** An attempt failed past the delivery's horizon: it is dead. */
    void dead() {
        dead.increment();
    }

    /** An attempt of a delivery that had failed before is made. */
    void retried() {
        retries.increment();
    }

    /** Attempts this machine made that the endpoint took. */
    long deliveredCount() {
        return (long) delivered.count();
    }

    /** Attempts this machine made that failed, those that left their delivery dead included. */
    long failedCount() {
        return (long) (failed.count() + dead.count());
    }

    /** The age of the oldest change not yet delivered, in seconds, as of the dispatcher's last poll. */
    double lag() {
        return lag;
    }

    /**
     * @param lag the age of the oldest change not yet delivered, in seconds
     * @param deadKept the dead deliveries kept
     */
    void status(double lag, long deadKept) {
        this.lag = lag;
        this.deadKept = deadKept;
    }
}
