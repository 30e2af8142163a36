package io.github.replicachequarkus.sync;

/**
 * A space changed: fired inside the transaction that changed it. Observe it with
 * {@code @Observes(during = TransactionPhase.AFTER_SUCCESS)}, so that nobody hears of a change that rolled back.
 *
 * @param version the space's version after the change
 */
public record SpaceChanged(String spaceID, long version) {
}
