package io.github.replicachequarkus.webhook;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.store.Outbox;
import io.quarkus.test.junit.QuarkusTest;

/** Without endpoints, webhooks cost nothing: pushes record no events, and no dispatcher runs. */
@QuarkusTest
class WebhooksOffTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Outbox outbox;

    @Test
    void pushesRecordNothingAndNoDispatcherRuns() throws Exception {
        assertEquals(Outbox.OFF, outbox);
        String space = space();
        pushOk(space, "g", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        try (Connection connection = dataSource.getConnection();
                Statement query = connection.createStatement();
                ResultSet rows = query.executeQuery("SELECT (SELECT count(*) FROM webhook_event),"
                        + " (SELECT count(*) FROM webhook_cursor), (SELECT count(*) FROM webhook_delivery)")) {
            rows.next();
            assertEquals(List.of(0L, 0L, 0L), List.of(rows.getLong(1), rows.getLong(2), rows.getLong(3)));
        }
        assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("replicache-webhook")).toList());
    }
}
