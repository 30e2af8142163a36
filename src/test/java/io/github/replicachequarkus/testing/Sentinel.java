package io.github.replicachequarkus.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A space with known content, for fuzz tests: whatever hostile input the server gets, elsewhere or aimed at this space,
 * its entries, its version and its client must stay as they were.
 */
public final class Sentinel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RawHttp http;
    private final String space = "sentinel-" + UUID.randomUUID();
    private final String clientID = "sentinel-client-" + UUID.randomUUID();
    private final String clientGroupID = "sentinel-group";
    private final Snapshot snapshot;

    /** What a pull from null shows of the space. */
    private record Snapshot(long cookie, Map<String, JsonNode> state, Map<String, Long> lastMutationIDs) {
    }

    private Sentinel(RawHttp http) {
        this.http = http;
        String push = """
                {"pushVersion":1,"clientGroupID":"%s","profileID":"p","schemaVersion":"","mutations":[
                 {"clientID":"%s","id":1,"name":"put","args":{"key":"a","value":{"text":"known","n":[1,2,3]}},"timestamp":1},
                 {"clientID":"%s","id":2,"name":"put","args":{"key":"b","value":"unchanged"},"timestamp":2},
                 {"clientID":"%s","id":3,"name":"put","args":{"key":"gone","value":1},"timestamp":3},
                 {"clientID":"%s","id":4,"name":"remove","args":"gone","timestamp":4}]}"""
                .formatted(clientGroupID, clientID, clientID, clientID, clientID);
        assertEquals(200, http.post("/api/replicache/push", space, push).status());
        this.snapshot = read();
        assertEquals(Map.of("a", "{\"text\":\"known\",\"n\":[1,2,3]}", "b", "\"unchanged\""),
                Map.of("a", snapshot.state().get("a").toString(), "b", snapshot.state().get("b").toString()));
    }

    public static Sentinel create(RawHttp http) {
        return new Sentinel(http);
    }

    public String space() {
        return space;
    }

    /** A client of the sentinel: any push that names it in another space or group must be refused. */
    public String clientID() {
        return clientID;
    }

    public String clientGroupID() {
        return clientGroupID;
    }

    public void assertUnchanged(String after) {
        assertEquals(snapshot, read(), "the sentinel space changed after " + after);
    }

    private Snapshot read() {
        RawHttp.Reply reply = http.post("/api/replicache/pull", space,
                "{\"pullVersion\":1,\"clientGroupID\":\"" + clientGroupID + "\",\"cookie\":null}");
        assertEquals(200, reply.status(), reply.body());
        try {
            JsonNode pulled = JSON.readTree(reply.body());
            Map<String, Long> ids = new HashMap<>();
            pulled.get("lastMutationIDChanges").properties().forEach(e -> ids.put(e.getKey(), e.getValue().asLong()));
            return new Snapshot(pulled.get("cookie").asLong(), SpaceModel.applyPatch(Map.of(), pulled.get("patch")), ids);
        } catch (Exception e) {
            throw new AssertionError("the sentinel's pull is not JSON: " + reply.body(), e);
        }
    }
}
