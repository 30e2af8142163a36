package io.github.replicachequarkus.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.store.PushRows.EntryWrite;

/** What a push records for the webhooks: one event per changed space, and nothing when webhooks are off. */
class OutboxTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<EntryWrite> writes = List.of(
            new EntryWrite("s1", "a", "{\"n\":1}", 7),
            new EntryWrite("s2", "x", "[1,2]", 3),
            new EntryWrite("s1", "b\"\n", null, 7));

    @Test
    void oneEventPerSpaceWithItsWritesInOrder() throws Exception {
        List<Outbox.Event> events = new Outbox(true, true).events(writes);
        assertEquals(2, events.size());
        assertEquals("s1", events.get(0).spaceID());
        assertEquals(7, events.get(0).version());
        assertEquals(JSON.readTree("""
                [{"key": "a", "op": "put", "value": {"n": 1}}, {"key": "b\\"\\n", "op": "del"}]"""),
                JSON.readTree(events.get(0).changes()));
        assertEquals(new Outbox.Event("s2", 3, "[{\"key\":\"x\",\"op\":\"put\",\"value\":[1,2]}]"), events.get(1));
    }

    @Test
    void withoutValuesTheKeysAndOps() {
        assertEquals(
                List.of(new Outbox.Event("s1", 7, "[{\"key\":\"a\",\"op\":\"put\"},{\"key\":\"b\\\"\\n\",\"op\":\"del\"}]"),
                        new Outbox.Event("s2", 3, "[{\"key\":\"x\",\"op\":\"put\"}]")),
                new Outbox(true, false).events(writes));
    }

    @Test
    void offRecordsNothing() {
        assertEquals(List.of(), Outbox.OFF.events(writes));
        assertEquals(List.of(), new Outbox(true, true).events(List.of()));
    }
}
