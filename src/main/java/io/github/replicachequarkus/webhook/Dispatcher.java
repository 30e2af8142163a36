package io.github.replicachequarkus.webhook;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import io.github.replicachequarkus.store.Faults;
import io.github.replicachequarkus.webhook.Deliveries.Claimed;
import io.github.replicachequarkus.webhook.Deliveries.Failure;
import io.quarkus.logging.Log;

/**
 * Delivers one endpoint's changes from this machine. Its loop composes deliveries and claims those due, in short
 * transactions ({@link Deliveries}), and hands each to a virtual thread of its own that POSTs it and records the
 * outcome; at most {@code max-in-flight} at once. Other machines run the same loop on the same rows: whichever claims a
 * delivery sends it, and nobody else may until its lease runs out.
 * <p>
 * The loop wakes for three reasons. A change committed on this machine is composed once the batch window has passed
 * after it, without waiting for the poll. A delivery finished frees its place and may let its space's next go. And
 * every poll interval it claims the deliveries due (retries, and those of a machine that died holding them) and sweeps
 * a page of the outbox for changes no one here was told of (committed by a machine that died before composing them, or
 * by one without this endpoint's dispatcher running). The sweep also deletes the events every endpoint has taken, and
 * measures the lag.
 */
final class Dispatcher {

    /** Spaces looked at per sweep; a bigger outbox is swept over several polls. */
    static final int SWEEP_PAGE = 500;
    /** How often dead deliveries past their retention are deleted. */
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    /** Attempts at recording an outcome while the database is unavailable; past them, the lease decides. */
    private static final int RECORD_ATTEMPTS = 3;

    private final String name;
    private final WebhookConfig.Endpoint config;
    private final Deliveries deliveries;
    private final Signer signer;
    private final WebhookMetrics metrics;
    /** Every configured endpoint: an event goes when all of them have taken it. */
    private final List<String> endpoints;
    private final URI url;
    private final Backoff backoff;
    /** How long a claim lasts: the attempt's timeout twice over and a margin, so that it ends well before it. */
    private final Duration lease;
    private final Semaphore places;
    /** Spaces whose changes this machine committed, each with when it may be composed ({@link System#nanoTime}). */
    private final Map<String, Long> hints = new ConcurrentHashMap<>();

    private volatile boolean running;
    /**
     * When the loop means to wake next, so that a hint due later does not wake it; {@link Long#MIN_VALUE} while it is
     * awake (a hint then unparks it, so that a park that follows returns at once and the hint is seen).
     */
    private volatile long wakeAt = Long.MIN_VALUE;
    private Thread loop;
    private ExecutorService senders;
    private HttpClient http;

    // The loop's own:
    private String sweptTo = "";
    private long polledAt = Long.MIN_VALUE;
    private long purgedAt = Long.MIN_VALUE;
    /** Whether the last claim took as many deliveries as it had places for: more may be due. */
    private boolean moreDue;
    /** The oldest change not yet taken into a delivery that the current round of sweeps found, in seconds. */
    private double roundAge;
    private double lastRoundAge;

    Dispatcher(String name, WebhookConfig.Endpoint config, Deliveries deliveries, Signer signer,
            WebhookMetrics metrics, List<String> endpoints) {
        this.name = name;
        this.config = config;
        this.deliveries = deliveries;
        this.signer = signer;
        this.metrics = metrics;
        this.endpoints = List.copyOf(endpoints);
        this.url = URI.create(config.url());
        this.backoff = new Backoff(config.minBackoff(), config.maxBackoff());
        this.lease = config.timeout().multipliedBy(2).plusSeconds(5);
        this.places = new Semaphore(Math.max(1, config.maxInFlight()));
    }

    String name() {
        return name;
    }

    WebhookMetrics metrics() {
        return metrics;
    }

    void start() {
        running = true;
        senders = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("replicache-webhook-" + name + "-", 0)
                .factory());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        loop = Thread.ofPlatform().daemon().name("replicache-webhook-" + name).start(this::run);
    }

    /**
     * Stops taking work, and gives the attempts in flight a moment to finish; those that do not are sent again after
     * their lease, by whichever machine claims them (with the same webhook-id).
     */
    void stop() {
        if (loop == null) {
            return;
        }
        running = false;
        LockSupport.unpark(loop);
        senders.shutdown();
        try {
            loop.join(Duration.ofSeconds(2));
            if (!senders.awaitTermination(2, TimeUnit.SECONDS)) {
                senders.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.shutdownNow();
    }

    /** A change of the space was committed on this machine: compose it once the batch window has passed. */
    void hint(String spaceID) {
        long due = System.nanoTime() + config.batchWindow().toNanos();
        long wake = wakeAt;
        if (hints.putIfAbsent(spaceID, due) == null && (wake == Long.MIN_VALUE || due - wake < 0)) {
            LockSupport.unpark(loop);
        }
    }

    private void run() {
        long failures = 0;
        while (running) {
            long sleep;
            try {
                sleep = round();
                failures = 0;
            } catch (SQLException | RuntimeException e) {
                failures++;
                if (Faults.isUnavailable(e)) {
                    Log.warnf("Webhook %s: the database is unavailable, trying again: %s", name, e.getMessage());
                } else {
                    Log.errorf(e, "Webhook %s: the dispatcher failed, trying again", name);
                }
                sleep = Math.min(config.pollInterval().toNanos() * (1L << Math.min(failures, 5)),
                        Duration.ofSeconds(30).toNanos());
            }
            wakeAt = System.nanoTime() + sleep;
            if (running && sleep > 0) {
                LockSupport.parkNanos(this, sleep);
            }
            wakeAt = Long.MIN_VALUE;
        }
    }

    /**
     * One pass: claims what is due and composes what may go, hands it to be sent, and says how long to sleep
     * (nanoseconds). A pass that found more than it had places for comes again as soon as a place is free.
     */
    private long round() throws SQLException {
        long now = System.nanoTime();
        long poll = config.pollInterval().toNanos();
        boolean polling = polledAt == Long.MIN_VALUE || now - polledAt >= poll;
        if (polling) {
            polledAt = now;
            sweep().forEach(spaceID -> hints.putIfAbsent(spaceID, now));
            Deliveries.Status status = deliveries.status();
            metrics.status(Math.max(status.lag(), Math.max(roundAge, lastRoundAge)), status.dead());
            purge(now);
        }
        int free = places.availablePermits();
        if (polling || moreDue) {
            List<Claimed> claimed = deliveries.claim(free, lease);
            moreDue = claimed.size() == free; // with no place free, what is due waits for one
            sendAll(claimed);
        }
        List<String> candidates = new ArrayList<>();
        long nextHint = Long.MAX_VALUE;
        free = places.availablePermits();
        for (Map.Entry<String, Long> hint : hints.entrySet()) {
            if (hint.getValue() - now > 0) {
                nextHint = Math.min(nextHint, hint.getValue());
            } else if (candidates.size() < free) {
                candidates.add(hint.getKey());
            } else {
                nextHint = now; // more due than places: again once one is free
            }
        }
        // Composed now, or not composable: in flight, not due by the database's clock, or another machine's (a sweep
        // finds any of them again).
        candidates.forEach(hints::remove);
        sendAll(deliveries.compose(candidates, candidates.size(), config.batchWindow(), lease, config.includeValues()));
        if (places.availablePermits() == 0) {
            return poll - (System.nanoTime() - polledAt); // a delivery finished wakes the loop
        }
        if (moreDue) {
            return 0;
        }
        long sleep = poll - (System.nanoTime() - polledAt);
        if (nextHint != Long.MAX_VALUE) {
            sleep = Math.min(sleep, nextHint - System.nanoTime());
        }
        return Math.max(0, sleep);
    }

    /**
     * The next page of the outbox's spaces: those whose next delivery may be composed now. Deletes the events of the
     * page that every endpoint has taken, and keeps the age of the oldest change not yet taken.
     */
    private List<String> sweep() throws SQLException {
        List<Deliveries.Space> page = deliveries.sweep(sweptTo, SWEEP_PAGE, config.batchWindow());
        List<String> composable = new ArrayList<>();
        List<String> seen = new ArrayList<>(page.size());
        for (Deliveries.Space space : page) {
            seen.add(space.id());
            roundAge = Math.max(roundAge, space.age());
            if (!space.inFlight() && space.due()) {
                composable.add(space.id());
            }
        }
        deliveries.deleteTaken(seen, endpoints);
        if (page.size() < SWEEP_PAGE) { // the end: the next sweep starts again from the first space
            sweptTo = "";
            lastRoundAge = roundAge;
            roundAge = 0;
        } else {
            sweptTo = page.getLast().id();
        }
        return composable;
    }

    private void purge(long now) throws SQLException {
        if (purgedAt != Long.MIN_VALUE && now - purgedAt < PURGE_INTERVAL.toNanos()) {
            return;
        }
        purgedAt = now;
        int purged = deliveries.purgeDead(config.deadRetention());
        if (purged > 0) {
            Log.infof("Webhook %s: deleted %d dead deliveries older than %s", name, purged, config.deadRetention());
        }
    }

    private void sendAll(List<Claimed> claimed) {
        for (Claimed delivery : claimed) {
            places.acquireUninterruptibly(); // only this loop takes places, and it claimed no more than were free
            try {
                senders.execute(() -> {
                    try {
                        send(delivery);
                    } finally {
                        places.release();
                        LockSupport.unpark(loop);
                    }
                });
            } catch (RuntimeException e) { // stopping: the lease runs out, and it is sent again
                places.release();
            }
        }
    }

    /** One attempt: POSTs the delivery, signed, and records what came of it. */
    private void send(Claimed delivery) {
        if (delivery.attempt() > 1) {
            metrics.retried();
        }
        String failure = post(delivery);
        try {
            if (failure == null) {
                if (record(() -> deliveries.delivered(delivery))) {
                    metrics.delivered();
                    hints.put(delivery.spaceID(), System.nanoTime()); // its next may be waiting already
                }
                return;
            }
            Duration wait = backoff.delay(delivery.attempt(), ThreadLocalRandom.current()::nextDouble);
            Failure outcome = record(() -> deliveries.failed(delivery, failure, wait, config.horizon()));
            switch (outcome) {
                case RETRY -> {
                    metrics.failed();
                    Log.debugf("Webhook %s: delivery %s of space %s (versions %d to %d) failed at attempt %d, next in"
                            + " %d ms: %s", name, delivery.id(), delivery.spaceID(), delivery.fromVersion(),
                            delivery.toVersion(), delivery.attempt(), wait.toMillis(), failure);
                }
                case DEAD -> {
                    metrics.dead();
                    Log.warnf("Webhook %s: delivery %s of space %s (versions %d to %d) is dead after %d attempts over"
                            + " its horizon of %s; the space's later changes go on. Last failure: %s", name,
                            delivery.id(), delivery.spaceID(), delivery.fromVersion(), delivery.toVersion(),
                            delivery.attempt(), config.horizon(), failure);
                    hints.put(delivery.spaceID(), System.nanoTime());
                }
                case SUPERSEDED -> Log.debugf("Webhook %s: delivery %s was claimed again meanwhile", name, delivery.id());
            }
        } catch (SQLException | RuntimeException e) {
            Log.warnf("Webhook %s: could not record the outcome of delivery %s (it is sent again after its lease): %s",
                    name, delivery.id(), e.getMessage());
        }
    }

    /** Sends the delivery; {@code null} when the endpoint answered 2xx, otherwise what went wrong. */
    private String post(Claimed delivery) {
        String id = delivery.id().toString();
        long timestamp = System.currentTimeMillis() / 1000;
        HttpRequest request = HttpRequest.newBuilder(url).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "replicache-quarkus-webhooks")
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signer.sign(id, timestamp, delivery.body()))
                .POST(HttpRequest.BodyPublishers.ofString(delivery.body())).build();
        CompletableFuture<HttpResponse<Void>> response = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        try {
            // The whole exchange, body included, within the timeout (the request's own covers only the headers).
            int status = response.get(config.timeout().toNanos(), TimeUnit.NANOSECONDS).statusCode();
            return status >= 200 && status < 300 ? null : "answered " + status;
        } catch (TimeoutException e) {
            response.cancel(true);
            return "no answer within " + config.timeout();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return "no answer: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.cancel(true);
            return "interrupted: the machine is stopping";
        }
    }

    @FunctionalInterface
    private interface Statement<T> {
        T run() throws SQLException;
    }

    /** Records an outcome, trying again for a moment while the database is unavailable. */
    private static <T> T record(Statement<T> statement) throws SQLException {
        for (int attempt = 1;; attempt++) {
            try {
                return statement.run();
            } catch (SQLException | RuntimeException e) {
                if (attempt >= RECORD_ATTEMPTS || !Faults.isUnavailable(e)) {
                    throw e;
                }
                LockSupport.parkNanos(Duration.ofMillis(200L * attempt).toNanos());
            }
        }
    }
}
