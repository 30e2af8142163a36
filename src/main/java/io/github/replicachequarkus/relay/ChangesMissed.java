package io.github.replicachequarkus.relay;

/**
 * Changes of other machines may have gone unheard (the relay lost its database connection for a while): whoever keeps
 * clients up to date should check every space it serves again.
 */
public record ChangesMissed() {
}
