package io.github.replicachequarkus.relay;

/**
 * Another machine is gone: it said goodbye, or it was silent for longer than {@code replicache.relay.heartbeat-expiry}.
 * Whatever this machine's rooms hold of it (its clients' presence) is stale. Fired on the relay's listener thread.
 */
public record MachineGone(String machine) {
}
