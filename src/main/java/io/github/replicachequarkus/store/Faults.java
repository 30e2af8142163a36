package io.github.replicachequarkus.store;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import jakarta.persistence.PersistenceException;

import org.hibernate.HibernateException;

/**
 * Tells the database's faults apart by SQLSTATE: races worth a retry, outages worth a 503, and the rest.
 */
public final class Faults {

    /** serialization_failure, deadlock_detected, unique_violation (two first inserts of one row racing). */
    private static final Set<String> RACES = Set.of("40001", "40P01", "23505");
    /** Statement cancelled (a statement timeout, or an operator); lock not available within the lock timeout. */
    private static final Set<String> BUSY = Set.of("57014", "55P03");

    private Faults() {
    }

    /** A transaction that lost a race with another: running it again will do. */
    public static boolean isRace(Throwable failure) {
        String state = sqlState(failure);
        return state != null && RACES.contains(state);
    }

    /**
     * The database cannot be reached, is going away or is too busy to finish: connection errors (08), shutdowns (57P),
     * resources (53), a statement cancelled by a {@code statement_timeout} or an operator (57014), a lock not had within
     * {@code lock_timeout} (55P03), or no connection to be had from the pool. Such a request gets 503 and changes
     * nothing (its transaction rolled back): trying again later is the answer.
     */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable cause : causes(failure)) {
            if (cause instanceof SQLTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state == null && sql.getMessage() != null && sql.getMessage().contains("acquisition timeout")) {
                    return true; // Agroal: every connection is in use or none can be opened
                }
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                        || BUSY.contains(state))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Anything the database (or the ORM talking to it) threw, as opposed to an application's own exception. */
    public static boolean isDatabaseFault(Throwable failure) {
        for (Throwable cause : causes(failure)) {
            if (cause instanceof SQLException || cause instanceof PersistenceException
                    || cause instanceof HibernateException) {
                return true;
            }
        }
        return false;
    }

    private static String sqlState(Throwable failure) {
        for (Throwable cause : causes(failure)) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /**
     * The failure and its causes, then the exceptions suppressed along them (and their causes). A transaction whose
     * COMMIT failed is thrown as the transaction manager's rollback exception, with the driver's exception only among
     * the suppressed ones: without them a connection lost in the commit would look like a bug.
     */
    public static List<Throwable> causes(Throwable failure) {
        List<Throwable> causes = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        addChain(failure, causes, seen);
        for (int i = 0; i < causes.size(); i++) { // grows as suppressed chains are added
            for (Throwable suppressed : causes.get(i).getSuppressed()) {
                addChain(suppressed, causes, seen);
            }
        }
        return causes;
    }

    private static void addChain(Throwable failure, List<Throwable> causes, Set<Throwable> seen) {
        for (Throwable cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
            causes.add(cause);
        }
    }
}
