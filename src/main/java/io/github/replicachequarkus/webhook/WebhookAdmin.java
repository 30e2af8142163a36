package io.github.replicachequarkus.webhook;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.store.StorageException;

/**
 * What an operator sees of the webhooks and may do with them: each configured endpoint's state, the dead deliveries,
 * and a dead delivery sent again. Reads the tables the dispatchers share (see {@code V10__webhooks.sql}); the counts of
 * attempts are this machine's (the rows of delivered deliveries are gone).
 */
@ApplicationScoped
public class WebhookAdmin {

    /** An endpoint's deliveries not taken yet (in flight or waiting for a retry), its dead ones, and its last failure. */
    private static final String STATE = """
            SELECT count(*) FILTER (WHERE dead_at IS NULL), count(*) FILTER (WHERE dead_at IS NOT NULL),
                (SELECT last_error FROM webhook_delivery WHERE endpoint = ? AND last_error IS NOT NULL
                 ORDER BY COALESCE(dead_at, next_attempt_at) DESC LIMIT 1)
            FROM webhook_delivery WHERE endpoint = ?""";

    private static final String DEAD = """
            SELECT id, endpoint, space_id, from_version, to_version, attempts, last_error, dead_at
            FROM webhook_delivery WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id LIMIT ?""";

    /**
     * A dead delivery due again at once, with a new horizon (counted from now), unless another delivery of its
     * endpoint and space is in flight; its space's cursor waits for it, as for any delivery in flight.
     */
    private static final String RETRY = """
            WITH revived AS (
                UPDATE webhook_delivery d SET dead_at = NULL, leased_by = NULL, next_attempt_at = now(), created_at = now()
                WHERE d.id = ? AND d.dead_at IS NOT NULL AND d.endpoint = ANY (?)
                    AND NOT EXISTS (SELECT 1 FROM webhook_delivery o
                                    WHERE o.endpoint = d.endpoint AND o.space_id = d.space_id AND o.dead_at IS NULL)
                RETURNING d.id, d.endpoint, d.space_id
            ), waiting AS (
                UPDATE webhook_cursor c SET pending = revived.id FROM revived
                WHERE c.endpoint = revived.endpoint AND c.space_id = revived.space_id AND c.pending IS NULL
            )
            SELECT count(*) FROM revived""";

    private static final String UNIQUE_VIOLATION = "23505";

    private static final String EXISTS_DEAD = "SELECT endpoint FROM webhook_delivery WHERE id = ? AND dead_at IS NOT NULL";

    /**
     * An endpoint: its URL without secrets, its deliveries not yet taken and dead ones (kept), this machine's attempts
     * that were taken and that failed since it started, the age of the oldest change not delivered yet, and the last
     * failure of a delivery still kept.
     */
    public record EndpointState(String name, String url, long pending, long delivered, long failed, long dead,
            long lagMs, String lastError) {
    }

    /** A dead delivery: the changes of the space after {@code fromVersion} up to {@code toVersion}. */
    public record DeadDelivery(UUID id, String endpoint, String spaceID, long fromVersion, long toVersion, int attempts,
            String lastError, Instant diedAt) {
    }

    /** What came of a retry. */
    public enum Retry {
        /** It is due again. */
        QUEUED,
        /** No dead delivery has that id. */
        NOT_FOUND,
        /** Another delivery of its endpoint and space is in flight: once it is taken or dead, try again. */
        IN_FLIGHT,
        /** Its endpoint is not configured any more: nothing would send it. */
        NO_ENDPOINT
    }

    private final WebhookConfig config;
    private final Webhooks webhooks;
    private final AgroalDataSource dataSource;

    WebhookAdmin(WebhookConfig config, Webhooks webhooks, AgroalDataSource dataSource) {
        this.config = config;
        this.webhooks = webhooks;
        this.dataSource = dataSource;
    }

    /** Every configured endpoint, by name. */
    public List<EndpointState> endpoints() {
        Map<String, WebhookConfig.Endpoint> endpoints = new TreeMap<>(config.endpoints());
        List<EndpointState> states = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(STATE)) {
            for (Map.Entry<String, WebhookConfig.Endpoint> endpoint : endpoints.entrySet()) {
                String name = endpoint.getKey();
                select.setString(1, name);
                select.setString(2, name);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    var metrics = webhooks.metrics(name);
                    states.add(new EndpointState(name, redacted(endpoint.getValue().url()), row.getLong(1),
                            metrics.map(WebhookMetrics::deliveredCount).orElse(0L),
                            metrics.map(WebhookMetrics::failedCount).orElse(0L), row.getLong(2),
                            metrics.map(m -> Math.round(m.lag() * 1000)).orElse(0L), row.getString(3)));
                }
            }
            return states;
        } catch (SQLException e) {
            throw new StorageException("could not read the webhooks' state", e);
        }
    }

    /** The dead deliveries kept, the latest to die first. */
    public List<DeadDelivery> dead(int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(DEAD)) {
            select.setInt(1, limit);
            List<DeadDelivery> dead = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    dead.add(new DeadDelivery(rows.getObject(1, UUID.class), rows.getString(2), rows.getString(3),
                            rows.getLong(4), rows.getLong(5), rows.getInt(6), rows.getString(7),
                            rows.getTimestamp(8).toInstant()));
                }
            }
            return dead;
        } catch (SQLException e) {
            throw new StorageException("could not read the dead webhook deliveries", e);
        }
    }

    /**
     * Puts a dead delivery back to be sent again, as it was (same id and body), with a new horizon. It goes after the
     * space's later deliveries, which did not wait for it: the receiver sees its versions out of order.
     */
    public Retry retry(UUID id) {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement retry = connection.prepareStatement(RETRY)) {
                retry.setObject(1, id);
                retry.setArray(2, connection.createArrayOf("text", config.endpoints().keySet().toArray()));
                try (ResultSet row = retry.executeQuery()) {
                    row.next();
                    if (row.getLong(1) > 0) {
                        return Retry.QUEUED;
                    }
                }
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                return Retry.IN_FLIGHT; // a delivery of the space was composed meanwhile
            }
            try (PreparedStatement exists = connection.prepareStatement(EXISTS_DEAD)) {
                exists.setObject(1, id);
                try (ResultSet row = exists.executeQuery()) {
                    if (!row.next()) {
                        return Retry.NOT_FOUND;
                    }
                    return config.endpoints().containsKey(row.getString(1)) ? Retry.IN_FLIGHT : Retry.NO_ENDPOINT;
                }
            }
        } catch (SQLException e) {
            throw new StorageException("could not retry webhook delivery " + id, e);
        }
    }

    /** The URL with its user info and its query's values hidden: either may hold a secret. */
    static String redacted(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "(not a URL)";
        }
        StringBuilder shown = new StringBuilder().append(uri.getScheme()).append("://");
        if (uri.getRawUserInfo() != null) {
            shown.append("***@");
        }
        shown.append(uri.getHost());
        if (uri.getPort() >= 0) {
            shown.append(':').append(uri.getPort());
        }
        shown.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            List<String> names = new ArrayList<>();
            for (String parameter : uri.getRawQuery().split("&")) {
                int equals = parameter.indexOf('=');
                names.add(equals < 0 ? parameter : parameter.substring(0, equals) + "=***");
            }
            shown.append('?').append(String.join("&", names));
        }
        return shown.toString();
    }
}
