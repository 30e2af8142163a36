package io.github.replicachequarkus.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * What a push records of its changes for the webhooks: one {@code webhook_event} row per changed space, written by
 * {@link PushRows#write} in the same statement as the change, so that a change and its record commit together or not
 * at all. The webhooks' dispatcher reads them from there. Off (nothing built, nothing written) unless webhooks are
 * configured.
 *
 * @param enabled whether pushes record their changes at all
 * @param values whether the record carries the values written, for an endpoint that sends them; otherwise only each
 *        key and whether it was put or deleted
 */
public record Outbox(boolean enabled, boolean values) {

    /** Nothing recorded: no webhook endpoint is configured. */
    public static final Outbox OFF = new Outbox(false, false);

    /**
     * One space's changes in one push transaction.
     *
     * @param version the space's new version
     * @param changes the writes as a JSON array of {@code {"key", "op": "put"|"del", "value"?}}, in the order written
     */
    public record Event(String spaceID, long version, String changes) {
    }

    /**
     * The events of a batch's writes: one per space that has any, in the order the spaces first appear; none when off.
     * A space whose version moved without a write (all its mutations failed, say) changed nothing a receiver can see,
     * and records nothing.
     */
    public List<Event> events(List<PushRows.EntryWrite> entries) {
        if (!enabled || entries.isEmpty()) {
            return List.of();
        }
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        Map<String, StringBuilder> changes = new LinkedHashMap<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        for (PushRows.EntryWrite entry : entries) {
            StringBuilder json = changes.get(entry.spaceID());
            if (json == null) {
                json = new StringBuilder("[");
                changes.put(entry.spaceID(), json);
                versions.put(entry.spaceID(), entry.version());
            } else {
                json.append(',');
            }
            json.append("{\"key\":\"");
            encoder.quoteAsString(entry.key(), json);
            json.append("\",\"op\":\"").append(entry.value() == null ? "del" : "put").append('"');
            if (values && entry.value() != null) {
                json.append(",\"value\":").append(entry.value()); // already JSON text, as stored in the entry
            }
            json.append('}');
        }
        List<Event> events = new ArrayList<>(changes.size());
        changes.forEach((spaceID, json) -> events.add(new Event(spaceID, versions.get(spaceID), json.append(']')
                .toString())));
        return events;
    }
}
