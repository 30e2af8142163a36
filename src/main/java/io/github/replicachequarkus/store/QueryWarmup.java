package io.github.replicachequarkus.store;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs the finders of pushes, pulls and hellos once at start-up, so that Hibernate translates their HQL before
 * traffic arrives. It translates a query on first use and caches it; but the first burst after a start (the sockets
 * of a deployment reconnecting at once) had dozens of threads translate the same few queries together, each holding
 * a database connection while the HQL parser warmed up under its own lock. That took seconds, and hellos timed out
 * waiting for a connection.
 */
@ApplicationScoped
public class QueryWarmup {

    /** No space has this id (ids are never empty): every finder reads nothing and locks nothing. */
    private static final String NO_SPACE = "";

    void onStart(@Observes StartupEvent startup) {
        try {
            run();
        } catch (RuntimeException e) {
            Log.warnf("Could not translate the queries at start-up; the first requests will: %s", e.getMessage());
        }
    }

    /** Runs every finder of the sync path once, in one read-only transaction. */
    public void run() {
        QuarkusTransaction.requiringNew().run(() -> {
            Space.exists(NO_SPACE);
            Space.changesAfter(NO_SPACE, 0);
            for (long after : new long[] { -1, 0 }) {
                Entry.forEach(NO_SPACE, after, 1, change -> {
                });
            }
            Entry.find("spaceID = ?1 and deleted = false and key > ?2 order by key", NO_SPACE, NO_SPACE).page(0, 1)
                    .project(Entry.Change.class).list();
            Entry.find("spaceID = ?1 and version > ?2 and key > ?3 order by key", NO_SPACE, 0L, NO_SPACE).page(0, 1)
                    .project(Entry.Change.class).list();
            ClientRecord.changedAfter(NO_SPACE, NO_SPACE, 0);
            ClientRecord.changedAfterInGroups(NO_SPACE, List.of(NO_SPACE), 0);
        });
    }

}
