package io.github.replicachequarkus.relay;

/**
 * A space changed. Fired inside the transaction that changed it; observe it with
 * {@code @Observes(during = TransactionPhase.AFTER_SUCCESS)}, so that nobody hears of a change that rolled back. A
 * change committed on another machine arrives through {@link Relay} as {@code remote}, outside any transaction
 * (so such observers hear it at once).
 *
 * @param version the space's version after the change
 * @param remote whether another machine committed it
 */
public record SpaceChanged(String spaceID, long version, boolean remote) {
}
