package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.gc.Collector;
import io.github.replicachequarkus.testing.PokeListener;
import io.github.replicachequarkus.testing.TestSocket;
import io.github.replicachequarkus.todo.ArchiveDoneTodos;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Writes of the server itself ({@link SpaceWriter}): as the server, committed with pushes, heard as pushes are. */
@QuarkusTest
class SpaceWriterTest {

    @Inject
    SpaceWriter writer;

    @Inject
    Collector collector;

    @Inject
    EntityManager entityManager;

    @Inject
    ArchiveDoneTodos archive;

    @TestHTTPResource("/")
    URI base;

    @Test
    void codeWritesThroughTheMutatorsTransactionAsTheServer() {
        String space = space();
        pushOk(space, "g-" + UUID.randomUUID(), mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        AtomicReference<String> seen = new AtomicReference<>();

        long version = writer.write(space, tx -> {
            seen.set(tx.byServer() + " '" + tx.clientID() + "' " + tx.mutationID() + " " + tx.userID().isPresent()
                    + " " + tx.get("a").map(JsonNode::asInt).orElse(-1));
            tx.put("b", Map.of("from", "server"));
            tx.del("a");
        });

        assertEquals("true '' 0 false 1", seen.get());
        assertEquals(2, version);
        assertEquals(Map.of("b", Map.of("from", "server")), state(space));
    }

    @Test
    void codeThatThrowsWritesNothing() {
        String space = space();
        writer.write(space, tx -> tx.put("a", 1));

        MutationFailedException failed = assertThrows(MutationFailedException.class, () -> writer.write(space, tx -> {
            tx.put("b", 2);
            throw new IllegalStateException("changed my mind");
        }));

        assertEquals("changed my mind", failed.getMessage());
        assertEquals(Map.of("a", 1), state(space));
        assertEquals(1, version(space));
    }

    @Test
    void aRegisteredMutatorRunsByName() {
        String space = space();
        assertEquals(1, writer.mutate(space, "increment", "n"));
        assertEquals(2, writer.mutate(space, "increment", "n"));
        assertEquals(Map.of("n", 2), state(space));
        assertThrows(MutationFailedException.class, () -> writer.mutate(space, "nope", null));
        MutateReply reply = writer.apply(space, List.of(new SpaceWriter.Call("increment", "n"),
                new SpaceWriter.Call("writeThenFail", "x"), new SpaceWriter.Call("increment", "n")), false);
        assertEquals(3, reply.version());
        assertEquals(List.of(true, false, true), reply.results().stream().map(MutateReply.Result::ok).toList());
        assertEquals(Map.of("n", 4), state(space));
    }

    @Test
    void listenersAndSocketsHearOfAServerWriteAsOfAPush() {
        String space = space();
        writer.write(space, tx -> tx.put("a", 1));
        List<String> pokes = PokeListener.listen(base, space);
        try (TestSocket socket = TestSocket.open(base, space)) {
            JsonNode hello = socket.hello(client(), "g-" + UUID.randomUUID(), null);
            assertEquals(1, hello.path("cookie").asLong(), hello.toString());

            writer.write(space, tx -> tx.put("b", 2));

            JsonNode poke = socket.next();
            assertEquals(2, poke.path("cookie").asLong(), poke.toString());
            assertEquals("b", poke.path("patch").get(0).path("key").asText(), poke.toString());
            await().atMost(Duration.ofSeconds(10)).until(() -> pokes.stream().anyMatch(event -> !event.equals("hello")));
        }
    }

    @Test
    void idempotencyKeysAreForgottenAfterTheirRetention() {
        String space = space();
        String body = "{\"mutations\": [{\"name\": \"increment\", \"args\": \"n\"}]}";
        for (int i = 0; i < 2; i++) {
            given().contentType(ContentType.JSON).header("Idempotency-Key", "once").body(body)
                    .post("/api/spaces/" + space + "/mutate").then().statusCode(200);
        }
        assertEquals(Map.of("n", 1), state(space));

        QuarkusTransaction.requiringNew().run(() -> entityManager.createNativeQuery(
                "UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE space_id = ?1")
                .setParameter(1, space).executeUpdate());
        Collector.Run run = collector.run();

        assertTrue(run.idempotencyKeysExpired() >= 1, run.toString());
        given().contentType(ContentType.JSON).header("Idempotency-Key", "once").body(body)
                .post("/api/spaces/" + space + "/mutate").then().statusCode(200);
        assertEquals(Map.of("n", 2), state(space), "the key was forgotten: the request applies again");
    }

    @Test
    void theArchiveJobOfTheDocsClearsDoneTodos() {
        String space = "todo-" + UUID.randomUUID();
        String clientID = client();
        pushOk(space, "g-" + UUID.randomUUID(),
                mutation(clientID, 1, "createTodo", Map.of("id", "t1", "text", "milk", "completed", true)),
                mutation(clientID, 2, "createTodo", Map.of("id", "t2", "text", "eggs", "completed", false)));

        archive.archive();

        Map<String, Object> left = state(space);
        assertEquals(List.of("t2"), List.copyOf(left.keySet()));
        assertFalse(writer.delete("never-" + UUID.randomUUID()), "nothing to delete");
    }
}
