package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Push and pull over HTTP as a Replicache client sends them. One per load thread: it keeps one HTTP/1.1 connection
 * alive, as a browser tab would (see {@link Http1Client} for why not the JDK's client).
 */
final class SyncClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CHANGE_KEY = Pattern.compile("\"key\"\\s*:\\s*\"w-(\\d+)\"");

    private final Target target;
    private final Http1Client connection;
    private HttpClient streaming;

    SyncClient(Target target) {
        this.target = target;
        this.connection = new Http1Client(target.base(), target.token());
    }

    /** The status and body of a push or pull. */
    record Reply(int status, String body) {

        /** A 200 whose body is no protocol error. */
        boolean ok() {
            return status == 200 && !body.contains("\"error\"");
        }

        String problem() {
            return status + " " + (body.length() > 200 ? body.substring(0, 200) + "…" : body);
        }
    }

    Reply push(String spaceID, String clientGroupID, List<ObjectNode> mutations) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("pushVersion", 1).put("clientGroupID", clientGroupID)
                .put("profileID", "bench").put("schemaVersion", "");
        body.putArray("mutations").addAll(mutations);
        Http1Client.Response response = connection.post("api/replicache/push?spaceID=" + spaceID,
                JSON.writeValueAsBytes(body));
        return new Reply(response.status(), response.text());
    }

    /** A write of the app's backend through the server API: the mutators run as the server, in one transaction. */
    Reply mutate(String spaceID, List<ObjectNode> calls) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("mutations").addAll(calls);
        Http1Client.Response response = connection.post("api/spaces/" + spaceID + "/mutate", JSON.writeValueAsBytes(body));
        return new Reply(response.status(), response.text());
    }

    /** The entry at the key, through the server API (404 when it holds nothing), over the JDK's client. */
    Reply entry(String spaceID, String key) throws IOException, InterruptedException {
        if (streaming == null) {
            streaming = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
        }
        HttpResponse<String> response = streaming.send(
                target.request("api/spaces/" + spaceID + "/entries/" + key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    /** {@code {"name", "args"}} of a server write: a call of a registered mutator. */
    static ObjectNode call(String name, ObjectNode args) {
        ObjectNode call = JSON.createObjectNode().put("name", name);
        call.set("args", args);
        return call;
    }

    Reply pull(String spaceID, String clientGroupID) throws IOException {
        Http1Client.Response response = connection.post("api/replicache/pull?spaceID=" + spaceID,
                JSON.writeValueAsBytes(pullBody(clientGroupID)));
        return new Reply(response.status(), response.text());
    }

    /** A pull from cookie null whose body the caller reads as it arrives (through the JDK's client). */
    HttpResponse<InputStream> pullStream(String spaceID, String clientGroupID) throws IOException, InterruptedException {
        if (streaming == null) {
            streaming = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
        }
        HttpRequest request = target.request("api/replicache/pull?spaceID=" + spaceID)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(pullBody(clientGroupID)))).build();
        return streaming.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Creates the todos {@code <prefix>0 ..} in the space, {@code batch} per push, from a client of their own. */
    void seedTodos(String spaceID, String prefix, int count, int batch) throws IOException {
        String group = Scenario.id("seed-group");
        String client = Scenario.id("seed");
        long id = 0;
        for (int start = 0; start < count; start += batch) {
            List<ObjectNode> mutations = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + batch); i++) {
                mutations.add(createTodo(client, ++id, prefix + i, "Todo number " + i + ": water the plants", i));
            }
            Reply reply = push(spaceID, group, mutations);
            if (!reply.ok()) {
                throw new IllegalStateException("Seeding space " + spaceID + " failed: " + reply.problem());
            }
        }
    }

    private static ObjectNode pullBody(String clientGroupID) {
        ObjectNode body = JSON.createObjectNode().put("pullVersion", 1).put("clientGroupID", clientGroupID)
                .put("profileID", "bench").put("schemaVersion", "");
        body.putNull("cookie");
        return body;
    }

    /** {@code createTodo({id, text, completed, sort})}, giving the sort so the server need not scan for one. */
    static ObjectNode createTodo(String clientID, long id, String todoID, String text, double sort) {
        ObjectNode args = JSON.createObjectNode().put("id", todoID).put("text", text).put("completed", false)
                .put("sort", sort);
        return mutation(clientID, id, "createTodo", args);
    }

    /**
     * Pushes a writer's change {@code n}: {@code createTodo} of the key {@code w-n}, as the scenarios that time pokes
     * write them. A connection that fails is a reply with status -1.
     */
    Reply pushChange(String spaceID, String clientGroupID, String clientID, long id, int change) {
        try {
            return push(spaceID, clientGroupID,
                    List.of(createTodo(clientID, id, "w-" + change, "change " + change, change)));
        } catch (IOException e) {
            return new Reply(-1, e.toString());
        }
    }

    /**
     * Notes when each writer's change a poke carries (by its key {@code w-n}) first arrived, for the changes
     * {@code arrived} has room for; returns how many the poke carries.
     */
    static int noteChanges(String poke, long arrivedNanos, AtomicLongArray arrived) {
        int carried = 0;
        Matcher key = CHANGE_KEY.matcher(poke);
        while (key.find()) {
            int change = Integer.parseInt(key.group(1));
            if (change < arrived.length()) {
                arrived.compareAndSet(change, 0, arrivedNanos);
            }
            carried++;
        }
        return carried;
    }

    /** {@code updateTodo({id, ...changes})}. */
    static ObjectNode updateTodo(String clientID, long id, String todoID, boolean completed, String text) {
        ObjectNode args = JSON.createObjectNode().put("id", todoID).put("completed", completed).put("text", text);
        return mutation(clientID, id, "updateTodo", args);
    }

    private static ObjectNode mutation(String clientID, long id, String name, ObjectNode args) {
        ObjectNode mutation = JSON.createObjectNode().put("clientID", clientID).put("id", id).put("name", name);
        mutation.set("args", args);
        return mutation.put("timestamp", (double) System.currentTimeMillis());
    }

    @Override
    public void close() {
        connection.close();
        if (streaming != null) {
            streaming.close();
        }
    }
}
