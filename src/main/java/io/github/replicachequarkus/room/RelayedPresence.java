package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.logging.Log;

/**
 * Reads the presence another machine relayed: a list of changes as in the {@code changes} frame, or a snapshot (each
 * space's list of entries as in the {@code present} frame). What does not read as one is dropped whole, with a warning:
 * machines of one deployment run one version, so it means a bug or a stranger on the channel.
 */
final class RelayedPresence {

    private RelayedPresence() {
    }

    /** The changes, owned by {@code machine}; null when the body is not a list of changes. */
    static List<Presence.Change> changes(ObjectMapper mapper, String body, String machine) {
        JsonNode list = read(mapper, body);
        List<Presence.Change> changes = list == null ? null : changes(list, machine, true);
        if (changes == null) {
            Log.warnf("Ignored presence changes relayed by machine %s that do not read as such", machine);
        }
        return changes;
    }

    /** Each space's entries, owned by {@code machine}; null when the body is not a snapshot. */
    static Map<String, List<Presence.Change>> snapshot(ObjectMapper mapper, String body, String machine) {
        JsonNode spaces = read(mapper, body);
        if (spaces == null || !spaces.isObject()) {
            Log.warnf("Ignored a presence snapshot relayed by machine %s that does not read as one", machine);
            return null;
        }
        Map<String, List<Presence.Change>> snapshot = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> space : spaces.properties()) {
            List<Presence.Change> entries = changes(space.getValue(), machine, false);
            if (entries == null) {
                Log.warnf("Ignored a presence snapshot relayed by machine %s that does not read as one", machine);
                return null;
            }
            snapshot.put(space.getKey(), entries);
        }
        return snapshot;
    }

    private static JsonNode read(ObjectMapper mapper, String body) {
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The list's changes; null when any item is not one ({@code leaving}: whether a null state is one). */
    private static List<Presence.Change> changes(JsonNode list, String machine, boolean leaving) {
        if (list == null || !list.isArray()) {
            return null;
        }
        List<Presence.Change> changes = new ArrayList<>(list.size());
        for (JsonNode item : list) {
            JsonNode clientID = item.get("clientID");
            JsonNode userID = item.get("userID");
            JsonNode state = item.get("state");
            boolean stateOk = state != null && (state.isObject() || (leaving && state.isNull()));
            if (clientID == null || !clientID.isTextual() || clientID.asText().isEmpty() || userID == null
                    || !userID.isTextual() || !stateOk) {
                return null;
            }
            changes.add(new Presence.Change(clientID.asText(), userID.asText(), state.isNull() ? null : state, machine));
        }
        return changes;
    }
}
