package io.github.replicachequarkus.testing;

import java.util.HashMap;
import java.util.Map;

/** Presence as tests send and expect it, with room for a null state (which {@code Map.of} refuses). */
public final class PresenceFrames {

    private PresenceFrames() {
    }

    /** A client's {@code presence} frame: its state, null to clear it. */
    public static Map<String, Object> presence(Object state) {
        Map<String, Object> frame = new HashMap<>();
        frame.put("messageType", "presence");
        frame.put("state", state);
        return frame;
    }

    /** One client's entry in a {@code present} or {@code changes} list; state null: it left. */
    public static Map<String, Object> entry(String clientID, String userID, Object state) {
        Map<String, Object> entry = new HashMap<>();
        entry.put("clientID", clientID);
        entry.put("userID", userID);
        entry.put("state", state);
        return entry;
    }
}
