package io.github.replicachequarkus.relay;

/**
 * A space was deleted (through the server API or {@code SpaceWriter}). Fired inside the deleting transaction, with the
 * {@link SpaceChanged} of its deletion version; observe it with
 * {@code @Observes(during = TransactionPhase.AFTER_SUCCESS)}. A deletion committed on another machine arrives through
 * {@link Relay} as {@code remote}, outside any transaction. What a machine remembers of the space's client groups or
 * clients must be forgotten: they no longer exist.
 */
public record SpaceDeleted(String spaceID, boolean remote) {
}
