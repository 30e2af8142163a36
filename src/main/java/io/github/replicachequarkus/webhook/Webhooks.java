package io.github.replicachequarkus.webhook;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.StartOrder;
import io.github.replicachequarkus.relay.Relay;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.github.replicachequarkus.store.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Webhooks: every committed change of a space, POSTed to each configured endpoint (docs/webhooks.md). Pushes record
 * their changes in the outbox through the {@link Outbox} this bean gives them, in their own statement; a
 * {@link Dispatcher} per endpoint delivers them from there. With no endpoint configured, the outbox is off and nothing
 * runs.
 * <p>
 * A misconfigured endpoint (a URL that is not http or https, a secret not in the {@code whsec_} form) stops the start,
 * with a message that says which key is wrong: an endpoint that silently got nothing, or that rejected every
 * signature, would be found out much later.
 */
@ApplicationScoped
public class Webhooks {

    private final WebhookConfig config;
    private final AgroalDataSource dataSource;
    private final MeterRegistry registry;
    private final Relay relay;
    private final List<Dispatcher> dispatchers = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();

    Webhooks(WebhookConfig config, AgroalDataSource dataSource, MeterRegistry registry, Relay relay) {
        this.config = config;
        this.dataSource = dataSource;
        this.registry = registry;
        this.relay = relay;
    }

    /** What pushes record for the webhooks: nothing without endpoints; values when an endpoint sends them. */
    @Produces
    @Singleton
    Outbox outbox() {
        Map<String, WebhookConfig.Endpoint> endpoints = config.endpoints();
        if (endpoints.isEmpty()) {
            return Outbox.OFF;
        }
        return new Outbox(true, endpoints.values().stream().anyMatch(WebhookConfig.Endpoint::includeValues));
    }

    /** Checks every endpoint's settings, and makes its dispatcher, with the other checks of the start. */
    void check(@Observes @Priority(StartOrder.CHECKS) StartupEvent startup) {
        Map<String, WebhookConfig.Endpoint> endpoints = config.endpoints();
        List<String> names = List.copyOf(endpoints.keySet());
        endpoints.forEach((name, endpoint) -> {
            Signer signer = check(name, endpoint);
            dispatchers.add(new Dispatcher(name, endpoint, new Deliveries(dataSource, name, relay.machine()), signer,
                    new WebhookMetrics(registry, name), names));
        });
    }

    void start(@Observes StartupEvent startup) {
        dispatchers.forEach(Dispatcher::start);
        config.endpoints().forEach((name, endpoint) -> Log.infof("Webhook %s: every change goes to %s%s", name,
                endpoint.url(), endpoint.includeValues() ? ", values included" : ""));
    }

    /** The metrics of the endpoint's dispatcher on this machine; empty when no such endpoint runs here. */
    Optional<WebhookMetrics> metrics(String endpoint) {
        return dispatchers.stream().filter(dispatcher -> dispatcher.name().equals(endpoint)).findFirst()
                .map(Dispatcher::metrics);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        stop();
    }

    /**
     * Also when the container is torn down without a shutdown event (a start that failed after the dispatchers began):
     * their threads must not outlive the database pool.
     */
    @PreDestroy
    void stop() {
        if (stopped.compareAndSet(false, true)) {
            dispatchers.forEach(Dispatcher::stop);
        }
    }

    /** A change committed here is composed as soon as its batch window has passed, without waiting for a poll. */
    void committed(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        if (!change.remote()) {
            for (Dispatcher dispatcher : dispatchers) {
                dispatcher.hint(change.spaceID());
            }
        }
    }

    /** The endpoint's signer, once its settings are checked; an unusable setting stops the start. */
    static Signer check(String name, WebhookConfig.Endpoint endpoint) {
        String prefix = "replicache.webhooks." + name + ".";
        URI url;
        try {
            url = URI.create(endpoint.url());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + "url is not a URL: " + e.getMessage());
        }
        if (!("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))
                || url.getHost() == null) {
            throw new IllegalStateException(prefix + "url must be an http or https URL with a host, not " + url);
        }
        if (endpoint.timeout().isNegative() || endpoint.timeout().isZero()) {
            throw new IllegalStateException(prefix + "timeout must be longer than 0");
        }
        if (endpoint.pollInterval().isNegative() || endpoint.pollInterval().isZero()) {
            throw new IllegalStateException(prefix + "poll-interval must be longer than 0");
        }
        try {
            return Signer.of(endpoint.secret());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + "secret is not usable: " + e.getMessage());
        }
    }
}
