package io.github.replicachequarkus.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The rows a push transaction reads and writes, in plain JDBC on the transaction's connection: the same tables as
 * {@link Space}, {@link Entry} and {@link ClientRecord}, which everything else reads through.
 * <p>
 * A push is a handful of rows per mutation, thousands of times a second. Through the entities, loading and
 * dirty-checking them and flushing each entity type took half of the server's time per push, and the flush cost a
 * round trip per table while the space's row stayed locked. Here a batch of pushes locks its spaces and reads the
 * clients and entries it needs in one round trip, and writes everything it changed (entries, clients, space
 * versions) in one statement.
 * <p>
 * Every push holds its spaces' row locks (see {@link #begin}), so no other push changes what it read before it commits.
 * The collector does not take them, and need not: a purged tombstone is written again by the upsert, and a push of a
 * group it collected is refused before it runs (the push's upsert of the group meets the collector's mark).
 */
public final class PushRows {

    /**
     * The spaces that have a row, locked in id order (the ORDER BY sits below the row locks in the plan), and whether
     * each was deleted.
     */
    private static final String LOCK_SPACES = """
            SELECT id, version, deleted_at IS NOT NULL FROM space WHERE id = ANY (?) ORDER BY id FOR UPDATE""";

    private static final String CREATE_SPACES = """
            INSERT INTO space (id, version) SELECT id, 0 FROM unnest(?::text[]) AS s (id) ORDER BY id
            ON CONFLICT (id) DO NOTHING""";

    /** The clients at these (space, id) pairs that exist: a client id is a key within its space only. */
    private static final String CLIENTS = """
            SELECT space_id, id, client_group_id, last_mutation_id FROM client
            WHERE (space_id, id) IN (SELECT * FROM unnest(?::text[], ?::text[]))""";

    /** The entries at these (space, key) pairs that have a row. */
    private static final String ENTRIES = """
            SELECT space_id, key, value, deleted FROM entry
            WHERE (space_id, key) IN (SELECT * FROM unnest(?::text[], ?::text[]))""";

    /**
     * What a batch reads before it runs, sent together (the statements run one after the other, the reads after the
     * locks, and each sees what committed before it): one round trip instead of one per statement.
     */
    private static final String BEGIN = LOCK_SPACES + ";\n" + CLIENTS + ";\n" + ENTRIES;

    /**
     * A deleted space written to again: it lives at its next version, which every cookie of its old clients is below,
     * and tombstones up to its current version are gone with its entries (so those clients get the whole state).
     */
    private static final String REVIVE = """
            UPDATE space SET deleted_at = NULL, purged_version = version WHERE id = ? AND deleted_at IS NOT NULL""";

    /** The stored replies of these (space, idempotency key) pairs. */
    private static final String IDEMPOTENCY_KEYS = """
            SELECT space_id, key, request_hash, reply FROM idempotency_key
            WHERE (space_id, key) IN (SELECT * FROM unnest(?::text[], ?::text[]))""";

    private static final String STORE_IDEMPOTENCY_KEYS = """
            INSERT INTO idempotency_key (space_id, key, request_hash, reply)
            SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[])""";

    private static final String ENTRY = """
            SELECT value, deleted FROM entry WHERE space_id = ? AND key = ?""";

    /** Live entries by prefix: LIKE with a literal prefix uses the primary key (its keys use the "C" collation). */
    private static final String LIVE_WITH_PREFIX = """
            SELECT key, value FROM entry WHERE space_id = ? AND key LIKE ? ESCAPE '\\' AND NOT deleted""";

    /**
     * A batch's changes: entries written (a null value is a tombstone), clients created, clients advanced, spaces'
     * new versions. A space's version only moves forward: the batch read it under the row's lock, so its new version is
     * always greater, and a row it would not raise means the read was not what was locked (the batch fails rather than
     * reuse a version). New clients are inserted plainly: every push holds its space's lock, so no other transaction
     * creates a client of that space meanwhile; were one to, the insert fails with a unique violation and the push runs
     * again and sees it (it may belong to another group). With webhooks configured, each changed space's changes are
     * recorded for them too ({@link Outbox}); without, that part gets no rows and writes nothing.
     */
    private static final String WRITE = """
            WITH written AS (
                INSERT INTO entry (space_id, key, value, version, deleted)
                SELECT space_id, key, value::json, version, value IS NULL
                FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS w (space_id, key, value, version)
                ON CONFLICT (space_id, key)
                DO UPDATE SET value = excluded.value, version = excluded.version, deleted = excluded.deleted
            ), created AS (
                INSERT INTO client (id, client_group_id, space_id, last_mutation_id, last_modified_version)
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[])
            ), advanced AS (
                UPDATE client SET last_mutation_id = a.last_mutation_id, last_modified_version = a.version
                FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[])
                    AS a (space_id, id, last_mutation_id, version)
                WHERE client.space_id = a.space_id AND client.id = a.id
            ), recorded AS (
                INSERT INTO webhook_event (space_id, version, changes)
                SELECT space_id, version, changes::json
                FROM unnest(?::text[], ?::bigint[], ?::text[]) AS o (space_id, version, changes)
            )
            UPDATE space SET version = v.version, changed_at = now()
            FROM unnest(?::text[], ?::bigint[]) AS v (id, version)
            WHERE space.id = v.id AND space.version < v.version""";

    private final Connection connection;
    private final Outbox outbox;

    /**
     * @param connection the connection of the current transaction (the caller keeps it open and closes it)
     * @param outbox what {@link #write} records of the changes for the webhooks ({@link Outbox#OFF}: nothing)
     */
    public PushRows(Connection connection, Outbox outbox) {
        this.connection = connection;
        this.outbox = outbox;
    }

    /** What is stored at a key: its JSON text, or a tombstone. */
    public record Stored(String value, boolean deleted) {
    }

    /** A client of a space as a push needs it: whose it is, and how far its mutations were processed. */
    public record Client(String id, String clientGroupID, String spaceID, long lastMutationID) {
    }

    /** A client's row after the batch: created, or advanced to a new last mutation id at the version. */
    public record ClientWrite(String id, String clientGroupID, String spaceID, long lastMutationID, long version,
            boolean created) {
    }

    /** An entry's row after the batch: its value (JSON text), or {@code null} for a tombstone. */
    public record EntryWrite(String spaceID, String key, String value, long version) {
    }

    /**
     * What a batch starts from, read after its spaces were locked.
     *
     * @param versions the version of each space that has a row (locked until the transaction ends)
     * @param deleted the spaces among them that were deleted (see {@link #revive})
     * @param clients by space, the clients asked for that exist, by id
     * @param entries by space, the keys asked for that have a row
     */
    public record Snapshot(Map<String, Long> versions, Set<String> deleted, Map<String, Map<String, Client>> clients,
            Map<String, Map<String, Stored>> entries) {
    }

    /** A reply stored for an idempotency key, and the hash of the request that got it. */
    public record IdempotentReply(String spaceID, String key, String requestHash, String reply) {
    }

    /**
     * Locks the rows of the spaces that exist, in id order, until the transaction ends; then reads the clients and
     * the entries, all in one round trip.
     *
     * @param clientIDs by space, the ids of the clients to read
     * @param reads by space, the keys to read (each must be storable text)
     */
    public Snapshot begin(Collection<String> spaceIDs, Map<String, Set<String>> clientIDs,
            Map<String, Set<String>> reads) {
        List<String> clientSpaces = new ArrayList<>();
        List<String> clientKeys = new ArrayList<>();
        pairs(clientIDs, clientSpaces, clientKeys);
        List<String> readSpaces = new ArrayList<>();
        List<String> readKeys = new ArrayList<>();
        pairs(reads, readSpaces, readKeys);
        Map<String, Long> versions = new HashMap<>();
        Set<String> deleted = new HashSet<>();
        Map<String, Map<String, Client>> clients = new HashMap<>();
        Map<String, Map<String, Stored>> entries = new HashMap<>();
        try (PreparedStatement begin = connection.prepareStatement(BEGIN)) {
            begin.setArray(1, texts(spaceIDs));
            begin.setArray(2, texts(clientSpaces));
            begin.setArray(3, texts(clientKeys));
            begin.setArray(4, texts(readSpaces));
            begin.setArray(5, texts(readKeys));
            begin.execute();
            try (ResultSet rows = begin.getResultSet()) {
                while (rows.next()) {
                    versions.put(rows.getString(1), rows.getLong(2));
                    if (rows.getBoolean(3)) {
                        deleted.add(rows.getString(1));
                    }
                }
            }
            begin.getMoreResults();
            try (ResultSet rows = begin.getResultSet()) {
                while (rows.next()) {
                    Client client = new Client(rows.getString(2), rows.getString(3), rows.getString(1), rows.getLong(4));
                    clients.computeIfAbsent(client.spaceID(), spaceID -> new HashMap<>()).put(client.id(), client);
                }
            }
            begin.getMoreResults();
            try (ResultSet rows = begin.getResultSet()) {
                while (rows.next()) {
                    entries.computeIfAbsent(rows.getString(1), spaceID -> new HashMap<>())
                            .put(rows.getString(2), new Stored(rows.getString(3), rows.getBoolean(4)));
                }
            }
        } catch (SQLException e) {
            throw new StorageException("could not lock spaces and read clients and entries", e);
        }
        return new Snapshot(versions, deleted, clients, entries);
    }

    /**
     * Brings a deleted space (its row locked) back, empty: a push's write then gives it its next version, and a cookie
     * of its earlier life gets the whole state.
     */
    public void revive(String spaceID) {
        try (PreparedStatement revive = connection.prepareStatement(REVIVE)) {
            revive.setString(1, spaceID);
            revive.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("could not bring a deleted space back", e);
        }
    }

    /** The replies stored for these idempotency keys (by space), those that are stored. */
    public List<IdempotentReply> idempotentReplies(Map<String, Set<String>> keys) {
        List<String> spaces = new ArrayList<>();
        List<String> values = new ArrayList<>();
        pairs(keys, spaces, values);
        List<IdempotentReply> replies = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(IDEMPOTENCY_KEYS)) {
            select.setArray(1, texts(spaces));
            select.setArray(2, texts(values));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    replies.add(new IdempotentReply(rows.getString(1), rows.getString(2), rows.getString(3),
                            rows.getString(4)));
                }
            }
        } catch (SQLException e) {
            throw new StorageException("could not read idempotency keys", e);
        }
        return replies;
    }

    /** Stores the replies of idempotency keys first used in this transaction. */
    public void storeIdempotentReplies(List<IdempotentReply> replies) {
        if (replies.isEmpty()) {
            return;
        }
        UnnestArrays parameters = new UnnestArrays().text(replies, IdempotentReply::spaceID)
                .text(replies, IdempotentReply::key).text(replies, IdempotentReply::requestHash)
                .text(replies, IdempotentReply::reply);
        try (PreparedStatement insert = connection.prepareStatement(STORE_IDEMPOTENCY_KEYS)) {
            parameters.bind(insert);
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("could not store idempotency keys", e);
        }
    }

    /** Flattens (space, values) into two parallel lists, for a statement that takes them as two arrays. */
    private static void pairs(Map<String, Set<String>> bySpace, List<String> spaces, List<String> values) {
        bySpace.forEach((spaceID, ids) -> ids.forEach(value -> {
            spaces.add(spaceID);
            values.add(value);
        }));
    }

    /** Creates the spaces at version 0, those that do not exist yet; safe when another transaction creates them too. */
    public void createSpaces(Collection<String> spaceIDs) {
        try (PreparedStatement create = connection.prepareStatement(CREATE_SPACES)) {
            create.setArray(1, texts(spaceIDs));
            create.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("could not create spaces", e);
        }
    }

    /** What is stored at the key, or {@code null} when it has no row. */
    public Stored entry(String spaceID, String key) {
        try (PreparedStatement select = connection.prepareStatement(ENTRY)) {
            select.setString(1, spaceID);
            select.setString(2, key);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? new Stored(rows.getString(1), rows.getBoolean(2)) : null;
            }
        } catch (SQLException e) {
            throw new StorageException("could not read an entry", e);
        }
    }

    /** The live entries whose key starts with the prefix: key to JSON text, in no particular order. */
    public Map<String, String> liveWithPrefix(String spaceID, String prefix) {
        Map<String, String> live = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(LIVE_WITH_PREFIX)) {
            select.setString(1, spaceID);
            select.setString(2, Entry.escapeLike(prefix) + "%");
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    live.put(rows.getString(1), rows.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new StorageException("could not scan entries", e);
        }
        return live;
    }

    /**
     * Writes a batch's changes in one statement. Each entry, client and space appears at most once.
     *
     * @param versions each changed space's new version
     */
    public void write(List<EntryWrite> entries, List<ClientWrite> clients, Map<String, Long> versions) {
        List<ClientWrite> created = new ArrayList<>();
        List<ClientWrite> advanced = new ArrayList<>();
        clients.forEach(client -> (client.created() ? created : advanced).add(client));
        List<String> spaceIDs = List.copyOf(versions.keySet());
        List<Outbox.Event> events = outbox.events(entries);
        UnnestArrays parameters = new UnnestArrays()
                // written (space_id, key, value, version)
                .text(entries, EntryWrite::spaceID).text(entries, EntryWrite::key).text(entries, EntryWrite::value)
                .bigint(entries, EntryWrite::version)
                // created (id, client_group_id, space_id, last_mutation_id, last_modified_version)
                .text(created, ClientWrite::id).text(created, ClientWrite::clientGroupID)
                .text(created, ClientWrite::spaceID).bigint(created, ClientWrite::lastMutationID)
                .bigint(created, ClientWrite::version)
                // advanced (space_id, id, last_mutation_id, version)
                .text(advanced, ClientWrite::spaceID).text(advanced, ClientWrite::id)
                .bigint(advanced, ClientWrite::lastMutationID).bigint(advanced, ClientWrite::version)
                // recorded for the webhooks (space_id, version, changes)
                .text(events, Outbox.Event::spaceID).bigint(events, Outbox.Event::version)
                .text(events, Outbox.Event::changes)
                // the spaces' versions (id, version)
                .text(spaceIDs, id -> id).bigint(spaceIDs, versions::get);
        try (PreparedStatement write = connection.prepareStatement(WRITE)) {
            parameters.bind(write);
            int raised = write.executeUpdate();
            if (raised != spaceIDs.size()) {
                throw new IllegalStateException("a push batch would have moved " + (spaceIDs.size() - raised)
                        + " of its " + spaceIDs.size() + " space version(s) backwards or kept them: nothing is written");
            }
        } catch (SQLException e) {
            throw new StorageException("could not write a push", e);
        }
    }

    /**
     * The arrays of a statement's {@code unnest} lists, one column of rows each, added in the order of the statement's
     * parameters and bound as 1..n: the code that fills a statement reads in the order of its SQL.
     */
    private final class UnnestArrays {
        private final List<String> types = new ArrayList<>();
        private final List<Object[]> columns = new ArrayList<>();

        <T> UnnestArrays text(List<T> rows, Function<T, String> column) {
            return add("text", rows, column, new String[rows.size()]);
        }

        <T> UnnestArrays bigint(List<T> rows, Function<T, Long> column) {
            return add("bigint", rows, column, new Long[rows.size()]);
        }

        private <T, V> UnnestArrays add(String type, List<T> rows, Function<T, V> column, V[] values) {
            int i = 0;
            for (T row : rows) {
                values[i++] = column.apply(row);
            }
            types.add(type);
            columns.add(values);
            return this;
        }

        void bind(PreparedStatement statement) throws SQLException {
            for (int i = 0; i < columns.size(); i++) {
                statement.setArray(i + 1, connection.createArrayOf(types.get(i), columns.get(i)));
            }
        }
    }

    private Array texts(Collection<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray());
    }

}
