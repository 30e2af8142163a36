package io.github.replicachequarkus.webhook;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * What one delivery says: a space's changes from one version to another, however many versions that spans. Each key
 * appears once, with its state at {@code toVersion}: a key put and then deleted within the batch is a delete, one
 * deleted and put again a put of the last value. Values are copied into the body as the outbox recorded them (the
 * JSON text the server stored), never read into numbers and written out again.
 *
 * @param fromVersion the version the space had before the batch's first change (exclusive)
 * @param toVersion the version its last change made
 * @param latest by key, in key order, the last change of each key in the batch
 */
record Batch(String spaceID, long fromVersion, long toVersion, SortedMap<String, Change> latest) {

    /** The event type of every delivery. */
    static final String TYPE = "space.changed";

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * One write of one version, as the outbox recorded it.
     *
     * @param value the value put, as JSON text; {@code null} for a delete, or when values were not recorded
     */
    record Change(long version, String key, boolean deleted, String value) {
    }

    /**
     * The batch of these changes.
     *
     * @param fromVersion the version before the first change (exclusive)
     * @param changes the changes of one or more versions, in version order (a key's later change wins)
     */
    static Batch of(String spaceID, long fromVersion, List<Change> changes) {
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a batch has at least one change");
        }
        SortedMap<String, Change> latest = new TreeMap<>();
        long toVersion = fromVersion;
        for (Change change : changes) {
            latest.merge(change.key(), change, (earlier, later) -> later.version() >= earlier.version() ? later : earlier);
            toVersion = Math.max(toVersion, change.version());
        }
        return new Batch(spaceID, fromVersion, toVersion, Collections.unmodifiableSortedMap(latest));
    }

    /** The keys that changed, each once, in key order. */
    List<String> keys() {
        return List.copyOf(latest.keySet());
    }

    /**
     * The delivery's JSON body: {@code {"type", "spaceID", "fromVersion", "toVersion", "keys", "entries"?}}.
     *
     * @param includeValues whether to add {@code entries}: each key's op and, for a put, its value
     */
    String body(boolean includeValues) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", TYPE);
            json.writeStringField("spaceID", spaceID);
            json.writeNumberField("fromVersion", fromVersion);
            json.writeNumberField("toVersion", toVersion);
            json.writeArrayFieldStart("keys");
            for (String key : latest.keySet()) {
                json.writeString(key);
            }
            json.writeEndArray();
            if (includeValues) {
                json.writeArrayFieldStart("entries");
                for (Change change : latest.values()) {
                    json.writeStartObject();
                    json.writeStringField("key", change.key());
                    json.writeStringField("op", change.deleted() ? "del" : "put");
                    if (!change.deleted() && change.value() != null) {
                        json.writeFieldName("value");
                        json.writeRawValue(change.value());
                    }
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a webhook body", e); // a StringWriter does not fail
        }
        return out.toString();
    }
}
