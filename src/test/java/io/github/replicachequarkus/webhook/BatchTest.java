package io.github.replicachequarkus.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.webhook.Batch.Change;

/** What one delivery says of a space's changes over several versions. */
class BatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Change put(long version, String key, String value) {
        return new Change(version, key, false, value);
    }

    private static Change del(long version, String key) {
        return new Change(version, key, true, null);
    }

    @Test
    void severalVersionsBecomeOneChangeOfEachKeyAtItsLastState() throws Exception {
        Batch batch = Batch.of("s", 3, List.of(
                put(4, "b", "1"), put(4, "a", "{\"n\":1}"),
                del(5, "a"), put(5, "c", "[true]"),
                put(6, "a", "{\"n\":2}"), del(6, "c"), put(6, "d", "null")));

        assertEquals(3, batch.fromVersion());
        assertEquals(6, batch.toVersion());
        assertEquals(List.of("a", "b", "c", "d"), batch.keys());
        JsonNode body = JSON.readTree(batch.body(true));
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "s", "fromVersion": 3, "toVersion": 6, "keys": ["a", "b", "c", "d"],
                 "entries": [
                   {"key": "a", "op": "put", "value": {"n": 2}},
                   {"key": "b", "op": "put", "value": 1},
                   {"key": "c", "op": "del"},
                   {"key": "d", "op": "put", "value": null}]}"""), body);
    }

    @Test
    void withoutValuesOnlyTheKeys() throws Exception {
        Batch batch = Batch.of("s", 0, List.of(put(1, "x", "1"), del(1, "y")));
        JsonNode body = JSON.readTree(batch.body(false));
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "s", "fromVersion": 0, "toVersion": 1, "keys": ["x", "y"]}"""),
                body);
        assertFalse(body.has("entries"));
    }

    @Test
    void valuesGoOutAsTheTextStoredNotReadIntoNumbers() {
        String exact = "{\"big\":123456789012345678901234567890.000000000000000000001,\"e\":1E+400}";
        String body = Batch.of("s", 0, List.of(put(1, "k", exact))).body(true);
        assertEquals("{\"type\":\"space.changed\",\"spaceID\":\"s\",\"fromVersion\":0,\"toVersion\":1,\"keys\":[\"k\"],"
                + "\"entries\":[{\"key\":\"k\",\"op\":\"put\",\"value\":" + exact + "}]}", body);
    }

    @Test
    void keysAndSpaceAreEscapedAsJsonStrings() throws Exception {
        String key = "quote\" backslash\\ newline\n tab\t control\u0001 ü 😀";
        JsonNode body = JSON.readTree(Batch.of("space \"1\"", 0, List.of(del(1, key))).body(true));
        assertEquals(key, body.get("keys").get(0).asText());
        assertEquals(key, body.get("entries").get(0).get("key").asText());
        assertEquals("space \"1\"", body.get("spaceID").asText());
    }

    @Test
    void aLaterVersionWinsWhateverTheOrderOfTheChanges() {
        Batch batch = Batch.of("s", 0, List.of(put(2, "k", "\"later\""), put(1, "k", "\"earlier\"")));
        assertEquals("\"later\"", batch.latest().get("k").value());
        assertEquals(2, batch.toVersion());
    }

    @Test
    void aPutWhoseValueWasNotRecordedHasNoValue() throws Exception {
        JsonNode body = JSON.readTree(Batch.of("s", 0, List.of(new Change(1, "k", false, null))).body(true));
        assertEquals(JSON.readTree("{\"key\":\"k\",\"op\":\"put\"}"), body.get("entries").get(0));
    }

    @Test
    void aBatchHasAChange() {
        assertThrows(IllegalArgumentException.class, () -> Batch.of("s", 0, List.of()));
    }
}
