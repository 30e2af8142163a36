package io.github.replicachequarkus.todo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.store.StorageException;

/**
 * Stores todos, and hands out a sort above every todo's in the space without reading the space: the largest stored
 * sort comes from the {@code entry_sort} index (one step down it, however many entries the space has), and the todos
 * written earlier in the same transaction, which the database does not see yet, are kept in a bound the transaction's
 * mutations share ({@link WriteTransaction#shared}). Every todo mutator that writes a sort writes through
 * {@link #put}, so that the bound stays above them all.
 * <p>
 * The bound may be higher than needed (the todo that held the largest sort was deleted or lowered, or a mutation that
 * wrote it failed): a new todo then sorts a little further down than it had to, never above an existing one.
 */
@ApplicationScoped
public class SortedTodos {

    /**
     * The largest indexed sort of the space; its WHERE is the index's predicate, word for word, so that the planner
     * may use the index (and take the largest as the last entry of the space's range).
     */
    static final String LARGEST_STORED = """
            SELECT max((value ->> 'sort')::numeric) FROM entry
            WHERE space_id = ? AND json_typeof(value -> 'sort') = 'number'
                AND length(value ->> 'sort') <= 1000
                AND (value ->> 'sort') !~ '[eE][-+]?[0-9]{4}'""";

    private final AgroalDataSource dataSource;

    /** @param dataSource whose connection, inside the push's transaction, is that transaction's own */
    SortedTodos(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The sort of a new todo: one above the largest sort of the space's todos (stored, or written earlier in this
     * transaction), or 1 when there is none above 0; where doubles are more than 1 apart, the next double up.
     *
     * @throws IllegalArgumentException when no double is above the largest sort
     */
    public double next(WriteTransaction tx) {
        BigDecimal largest = bound(tx).largest.max(BigDecimal.ZERO);
        double sort = largest.add(BigDecimal.ONE).doubleValue();
        while (Double.isFinite(sort) && new BigDecimal(sort).compareTo(largest) <= 0) {
            sort = Math.nextUp(sort);
        }
        if (!Double.isFinite(sort)) {
            throw new IllegalArgumentException("no sort is left above the largest in the space; give one");
        }
        return sort;
    }

    /** Stores the todo under its id, and keeps this transaction's bound at or above its sort. */
    public void put(WriteTransaction tx, String id, ObjectNode todo) {
        tx.put(id, todo);
        JsonNode sort = todo.path("sort");
        if (sort.isNumber() && (sort.isBigDecimal() || sort.isIntegralNumber() || Double.isFinite(sort.doubleValue()))) {
            bound(tx).raise(sort.decimalValue()); // a NaN or an infinity is written as a string, not a number
        }
    }

    private Bound bound(WriteTransaction tx) {
        return tx.shared(Bound.class, () -> new Bound(largestStored(tx.spaceID())));
    }

    /** The largest sort of the space's stored todos, 0 when there is none. */
    private BigDecimal largestStored(String spaceID) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(LARGEST_STORED)) {
            select.setString(1, spaceID);
            try (ResultSet rows = select.executeQuery()) {
                BigDecimal largest = rows.next() ? rows.getBigDecimal(1) : null;
                return largest == null ? BigDecimal.ZERO : largest;
            }
        } catch (SQLException e) {
            throw new StorageException("could not read the largest sort of space " + spaceID, e);
        }
    }

    /** At least the largest sort of any todo of the space, as far as one transaction knows. */
    static final class Bound {
        private BigDecimal largest;

        Bound(BigDecimal largest) {
            this.largest = largest;
        }

        void raise(BigDecimal sort) {
            largest = largest.max(sort);
        }
    }
}
