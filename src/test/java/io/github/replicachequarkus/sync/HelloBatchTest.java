package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.ProtocolError;
import io.github.replicachequarkus.protocol.PullRequest;
import io.github.replicachequarkus.store.Outbox;
import io.github.replicachequarkus.store.Space;
import io.github.replicachequarkus.testing.Protocol;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * A batch of a space's hellos is decided in one transaction and read once per plan: each hello must still get exactly
 * its own answer, a refusal of one never failing the others.
 */
@QuarkusTest
class HelloBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    PullService pulls;

    @Test
    void eachHelloOfABatchGetsItsOwnAnswerAndAnotherUsersGroupIsRefusedAlone() throws Exception {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "b", "value", 2)));
        long version = Protocol.version(space);
        String owned = "owned-" + client();
        assertInstanceOf(PullService.Pulled.class, pulls.pull(space, request(owned, null), true, Optional.of("alice")))
                .patch().delete();

        List<PullService.Hello> batch = List.of(
                new PullService.Hello(request("g1", null), true, Optional.of("alice")),
                new PullService.Hello(request(owned, null), true, Optional.of("bob")),
                new PullService.Hello(request("g1", version), true, Optional.of("alice")),
                new PullService.Hello(request("fresh-" + client(), 1L), false, Optional.empty()),
                new PullService.Hello(request(owned, null), true, Optional.of("alice")));
        List<PullService.Answer> answers = pulls.answerTogether(space, batch);

        assertEquals(batch.size(), answers.size());
        assertInstanceOf(ForbiddenException.class, answers.get(1).failure(), "bob may not use alice's group");
        assertNull(answers.get(1).reply());
        for (int i : new int[] { 0, 2, 3, 4 }) {
            PullService.Hello hello = batch.get(i);
            PullService.Answer answer = answers.get(i);
            assertNull(answer.failure(), "hello " + i);
            PullService.Pulled pulled = assertInstanceOf(PullService.Pulled.class, answer.reply(), "hello " + i);
            JsonPath alone = Protocol.pullOk(space, hello.request().clientGroupID(),
                    hello.request().cookie().isNull() ? null : hello.request().cookie().asLong());
            assertEquals(alone.getLong("cookie"), pulled.cookie(), "hello " + i);
            Map<String, Object> ids = new HashMap<>();
            pulled.lastMutationIDChanges().forEach((id, last) -> ids.put(id, last.intValue())); // as JSON reads them
            assertEquals(alone.getMap("lastMutationIDChanges"), ids, "hello " + i);
            assertEquals(alone.getList("patch"), patch(pulled), "hello " + i);
        }
        assertEquals(Map.of(c1, 2L), ((PullService.Pulled) answers.get(0).reply()).lastMutationIDChanges());
        assertEquals(Map.of(), ((PullService.Pulled) answers.get(4).reply()).lastMutationIDChanges(),
                "another group's clients are never in a reply");
    }

    @Test
    void aLaterBatchWithTheSameCookieSharesTheEarliersPatchUntilTheSpaceMoves() throws Exception {
        String space = space();
        String c1 = client();
        String c2 = client();
        pushOk(space, "g0", mutation(client(), 1, "put", Map.of("key", "base", "value", 0)));
        long base = Protocol.version(space);
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        pushOk(space, "g2", mutation(c2, 1, "put", Map.of("key", "b", "value", 2)));

        PullService.Pulled first = only(pulls.answerTogether(space,
                List.of(new PullService.Hello(request("g1", base), true, Optional.empty()))));
        List<PullService.Answer> later = pulls.answerTogether(space, List.of(
                new PullService.Hello(request("g2", base), true, Optional.empty()),
                new PullService.Hello(request("g3", base), true, Optional.empty())));
        for (PullService.Answer answer : later) {
            assertSame(first.patch(), ((PullService.Pulled) answer.reply()).patch(), "read once, by the first batch");
        }
        // each batch still reads its own groups' last mutation ids
        assertEquals(Map.of(c1, 1L), first.lastMutationIDChanges());
        assertEquals(Map.of(c2, 1L), ((PullService.Pulled) later.get(0).reply()).lastMutationIDChanges());
        assertEquals(Map.of(), ((PullService.Pulled) later.get(1).reply()).lastMutationIDChanges());
        JsonPath alone = Protocol.pullOk(space, "g2", base);
        first.patch().delete(); // sent: the later batch's replies hold it still
        for (PullService.Answer answer : later) {
            PullService.Pulled pulled = (PullService.Pulled) answer.reply();
            assertEquals(alone.getLong("cookie"), pulled.cookie());
            assertEquals(alone.getList("patch"), patch(pulled)); // which lets go of it
        }

        pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "a", "value", 3)));
        PullService.Pulled moved = only(pulls.answerTogether(space,
                List.of(new PullService.Hello(request("g2", base), true, Optional.empty()))));
        assertNotSame(first.patch(), moved.patch(), "the space moved: a new read");
        assertEquals(Protocol.pullOk(space, "g2", base).getList("patch"), patch(moved));
    }

    private static PullService.Pulled only(List<PullService.Answer> answers) {
        assertEquals(1, answers.size());
        return assertInstanceOf(PullService.Pulled.class, answers.get(0).reply());
    }

    @Test
    void aWritersCookieFromAheadRaisesTheVersionForTheRestOfItsBatch() throws Exception {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        long version = Protocol.version(space);
        long ahead = version + 50;

        List<PullService.Answer> answers = pulls.answerTogether(space, List.of(
                new PullService.Hello(request("g1", ahead), true, Optional.empty()),
                new PullService.Hello(request("g2", version), true, Optional.empty()),
                new PullService.Hello(request("g3", ahead), true, Optional.empty())));

        for (PullService.Answer answer : answers) {
            PullService.Pulled pulled = assertInstanceOf(PullService.Pulled.class, answer.reply());
            assertEquals(ahead + 1, pulled.cookie(), "every hello of the batch is answered past the cookie from ahead");
            pulled.patch().delete();
        }
        assertEquals(ahead + 1, QuarkusTransaction.requiringNew().call(() -> Space.<Space> findById(space).version));
    }

    @Test
    void aBatchOfASpaceThatDoesNotExistFailsEachHelloWithItsOwnError() {
        String space = space();
        QuarkusTransaction.requiringNew().run(() -> Space.create(space));
        QuarkusTransaction.requiringNew().run(() -> Space.delete(space, Outbox.OFF));

        List<PullService.Answer> answers = pulls.answerTogether(space, List.of(
                new PullService.Hello(request("g1", null), true, Optional.empty()),
                new PullService.Hello(request("g2", null), false, Optional.empty())));

        assertEquals(2, answers.size());
        assertTrue(answers.get(0).failure() != answers.get(1).failure(), "each hello throws its own failure");
        for (PullService.Answer answer : answers) {
            assertEquals(404, assertInstanceOf(InvalidRequestException.class, answer.failure()).status());
        }
    }

    @Test
    void aHelloOfABatchWhoseCookieCannotBeServedIsRefusedAlone() throws Exception {
        String space = space();
        pushOk(space, "g1", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        long version = Protocol.version(space);

        List<PullService.Answer> answers = pulls.answerTogether(space, List.of(
                new PullService.Hello(request("g1", version), true, Optional.empty()),
                new PullService.Hello(request("g2", Map.of("not", "ours")), true, Optional.empty())));

        PullService.Pulled pulled = assertInstanceOf(PullService.Pulled.class, answers.get(0).reply());
        assertEquals(version, pulled.cookie());
        assertEquals(List.of(), patch(pulled));
        assertEquals(ProtocolError.CLIENT_STATE_NOT_FOUND,
                assertInstanceOf(PullService.Refused.class, answers.get(1).reply()).error());
    }

    private static PullRequest request(String clientGroupID, Object cookie) {
        JsonNode node = cookie == null ? JsonNodeFactory.instance.nullNode() : JSON.valueToTree(cookie);
        return new PullRequest(1, clientGroupID, node, null, null);
    }

    /** The patch's operations, as a pull's JSON gives them; lets go of the patch. */
    private static List<Object> patch(PullService.Pulled pulled) throws IOException {
        StringBuilder elements = new StringBuilder();
        try {
            pulled.patch().inParts(1 << 20, (part, more) -> elements.append(elements.isEmpty() ? "" : ",").append(part));
        } finally {
            pulled.patch().delete();
        }
        return new ArrayList<>(JsonPath.from("[" + elements + "]").getList("$"));
    }
}
