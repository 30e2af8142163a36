package io.github.replicachequarkus.routing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.context.ManagedExecutor;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.StartOrder;
import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.auth.NotAuthenticatedException;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.room.RoomPlacement;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Before a room's WebSocket upgrade: serve it when this machine hosts the room (or routing is off), otherwise answer
 * without upgrading, with {@code fly-replay} naming the room's machine, so that Fly's proxy replays the upgrade there.
 * A replayed request carries our signed state back in {@code fly-replay-src}: the target trusts a state it can verify
 * (it does not look the placement up again) and refuses a forged or expired one with 403.
 * <p>
 * Only a caller who may read the space places its room. An upgrade that carries credentials (the {@code auth} query
 * parameter, or an {@code Authorization} header) has them checked on the machine it enters, before it is routed:
 * refused with 401 or 403, or the room is placed if it was not (a replay that a verified state sends here is served
 * without checking them again, as without looking the placement up again). One without credentials (the room client
 * sends its token in the hello) places nothing: it is sent where the room is, or where it would be placed, and the
 * room is placed when the socket's hello is authorised there ({@link #claim}).
 */
@Startup(StartOrder.CHECKS) // a missing replay secret stops the application at start, not at the first socket
@ApplicationScoped
public class RoomRouting implements HttpUpgradeCheck, RoomPlacement {

    /** Misdirected Request: the status of an answer that only exists for Fly's proxy to replay. */
    public static final int REPLAY_STATUS = 421;

    private final RoutingConfig config;
    private final Placements placements;
    private final MachineLifecycle machine;
    private final ManagedExecutor executor;
    private final SpaceAccess access;
    private final Optional<ReplayState> states;

    RoomRouting(RoutingConfig config, Placements placements, MachineLifecycle machine, ManagedExecutor executor,
            SpaceAccess access) {
        this.config = config;
        this.access = access;
        this.placements = placements;
        this.machine = machine;
        this.executor = executor;
        this.states = config.machineID().isPresent() ? Optional.of(replayState(config.replaySecret())) : Optional.empty();
    }

    /** The signer of replay states; a clear refusal to start when the secret is missing or too short to be safe. */
    static ReplayState replayState(Optional<String> secret) {
        String name = "replicache.routing.replay-secret (REPLICACHE_ROUTING_REPLAY_SECRET)";
        if (secret.isEmpty()) {
            throw new ConfigurationException(name + " must be set when routing is on (FLY_MACHINE_ID is set): "
                    + "the same random secret on every machine, e.g. openssl rand -hex 32");
        }
        int bytes = secret.get().getBytes(StandardCharsets.UTF_8).length;
        if (bytes < ReplayState.MIN_SECRET_BYTES) {
            throw new ConfigurationException(name + " is " + bytes + " bytes; it must be at least "
                    + ReplayState.MIN_SECRET_BYTES + " random bytes, e.g. openssl rand -hex 32");
        }
        return new ReplayState(secret.get());
    }

    @Override
    public boolean roomsSpanMachines() {
        return states.isEmpty(); // routing off
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String spaceID = context.pathParam("spaceID");
        if (states.isEmpty() || !SpaceId.isValid(spaceID)) {
            return CheckResult.permitUpgrade(); // not on Fly; or a bad id, which the room refuses itself
        }
        String replaySource = context.httpRequest().getHeader("fly-replay-src");
        String credentials = credentials(context.httpRequest());
        return Uni.createFrom().item(() -> decide(spaceID, replaySource, credentials)).runSubscriptionOn(executor);
    }

    /**
     * The credentials the upgrade carries: the {@code auth} query parameter (which the room's hello falls back to), else
     * the {@code Authorization} header; null when it carries none.
     */
    static String credentials(HttpServerRequest request) {
        String query = request.getParam("auth");
        if (query != null && !query.isBlank()) {
            return query;
        }
        String header = request.getHeader("Authorization");
        return header == null || header.isBlank() ? null : header;
    }

    private CheckResult decide(String spaceID, String replaySource, String credentials) {
        String me = config.machineID().get();
        boolean serving = config.mode() == RoutingConfig.Mode.SERVE && !machine.draining();
        if (replaySource != null) {
            Optional<String> target = ReplayState.fromReplaySource(replaySource)
                    .flatMap(state -> states.get().verify(state, spaceID, Instant.now()));
            if (target.isEmpty()) {
                // Debug, as every refusal a client can cause at will: a forged state is the sender's doing.
                Log.debugf("Refused a replayed upgrade for space %s: its state does not verify", LogSafe.of(spaceID));
                return CheckResult.rejectUpgradeSync(403);
            }
            if (serving && target.get().equals(me)) {
                return CheckResult.permitUpgradeSync();
            }
        }
        boolean mayRead; // in open mode anyone may, credentials or not
        try {
            access.require(credentials, spaceID, Access.READ);
            mayRead = true;
        } catch (NotAuthenticatedException | ForbiddenException e) {
            if (credentials != null) {
                Log.debugf("Refused an upgrade for space %s: %s", LogSafe.of(spaceID), LogSafe.of(e.getMessage()));
                return e instanceof ForbiddenException ? CheckResult.rejectUpgradeSync(403)
                        : CheckResult.rejectUpgradeSync(401, Map.of("WWW-Authenticate", List.of("Bearer")));
            }
            mayRead = false; // none yet: the socket's hello may bring them
        }
        String owner = mayRead ? placements.ownerOf(spaceID) : placements.locate(spaceID);
        if (serving && owner.equals(me)) {
            return CheckResult.permitUpgradeSync();
        }
        return CheckResult.rejectUpgradeSync(REPLAY_STATUS, Map.of("fly-replay", List.of(replayTo(spaceID, owner))));
    }

    /** The {@code fly-replay} value that sends a request about the space to its owner, with a signed state. */
    private String replayTo(String spaceID, String owner) {
        String state = states.get().sign(spaceID, owner, Instant.now().plus(config.replayStateTtl()));
        return (config.mode() == RoutingConfig.Mode.ROUTER ? "app=" + placements.hostApp() + ";" : "")
                + "instance=" + owner + ";state=" + state;
    }

    /**
     * For an HTTP request about a space's room (who is present in it): empty to answer it here (routing is off, or the
     * room is hosted here), else the {@code fly-replay} value that sends it to the room's machine, decided as for an
     * upgrade: a request Fly replayed here with a state that verifies and names this machine is answered here; else
     * the room's machine is looked up, not placed (a room not placed yet is looked for where it would be placed).
     * Blocking: it may read the placement.
     *
     * @throws ForbiddenException when the request carries a replayed state that does not verify
     */
    public Optional<String> replayFor(String spaceID, String replaySource) {
        if (states.isEmpty()) {
            return Optional.empty();
        }
        String me = config.machineID().get();
        if (replaySource != null) {
            Optional<String> target = ReplayState.fromReplaySource(replaySource)
                    .flatMap(state -> states.get().verify(state, spaceID, Instant.now()));
            if (target.isEmpty()) {
                throw new ForbiddenException("the replayed request's state does not verify");
            }
            if (target.get().equals(me)) {
                return Optional.empty();
            }
        }
        String owner = placements.locate(spaceID);
        boolean serving = config.mode() == RoutingConfig.Mode.SERVE && !machine.draining();
        return serving && owner.equals(me) ? Optional.empty() : Optional.of(replayTo(spaceID, owner));
    }

    /**
     * At a socket's first authorised hello: its room is placed here if it was not (or its machine is gone). A socket
     * whose room another live machine hosts is sent there (4010, and it reconnects), unless it came here by a replay
     * whose signed state names this machine: that verdict is trusted, as at the upgrade. A draining machine, or a
     * router, takes no room.
     */
    @Override
    public boolean claim(String spaceID, HandshakeRequest upgrade) {
        if (states.isEmpty()) {
            return true;
        }
        if (config.mode() == RoutingConfig.Mode.ROUTER || machine.draining()) {
            return false;
        }
        String me = config.machineID().get();
        boolean sentHere = ReplayState.fromReplaySource(upgrade.header("fly-replay-src"))
                .flatMap(state -> states.get().verify(state, spaceID, Instant.now())).filter(me::equals).isPresent();
        return placements.claim(spaceID, me, sentHere);
    }
}
