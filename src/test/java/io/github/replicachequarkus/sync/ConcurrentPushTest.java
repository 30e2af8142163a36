package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Dozens of clients pushing into one space at once: every push succeeds and nothing is lost. */
@QuarkusTest
class ConcurrentPushTest {

    private static final int CLIENTS = 24;
    private static final int PUSHES_PER_CLIENT = 10;

    @Test
    void concurrentPushersToOneSpaceLoseNothing() throws Exception {
        String space = space();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<List<Integer>>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int c = 0; c < CLIENTS; c++) {
                String clientID = client();
                String group = "g" + (c % 4);
                int index = c;
                clients.add(CompletableFuture.supplyAsync(() -> {
                    await(start);
                    List<Integer> statuses = new ArrayList<>();
                    for (int m = 1; m <= PUSHES_PER_CLIENT; m++) {
                        statuses.add(push(space, group,
                                mutation(clientID, 2L * m - 1, "increment", "counter"),
                                mutation(clientID, 2L * m, "createTodo",
                                        Map.of("id", "todo-" + index + "-" + m, "text", "t", "completed", false)))
                                .statusCode());
                    }
                    return statuses;
                }, pool));
            }
            start.countDown();
            for (CompletableFuture<List<Integer>> statuses : clients) {
                assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200, 200, 200), statuses.get());
            }
        }

        Map<String, Object> state = state(space);
        assertEquals(CLIENTS * PUSHES_PER_CLIENT, state.get("counter"), "no increment was lost");
        Set<Object> sorts = new HashSet<>();
        state.forEach((key, value) -> {
            if (key.startsWith("todo-")) {
                sorts.add(((Map<?, ?>) value).get("sort"));
            }
        });
        assertEquals(CLIENTS * PUSHES_PER_CLIENT, sorts.size(), "every todo has a sort of its own");
        long version = version(space);
        assertTrue(version >= 1 && version <= CLIENTS * PUSHES_PER_CLIENT,
                "at most one version per push (pushes that waited together share one): " + version);
        for (int g = 0; g < 4; g++) {
            Map<String, Object> confirmed = pullOk(space, "g" + g, null).getMap("lastMutationIDChanges");
            assertEquals(CLIENTS / 4, confirmed.size());
            confirmed.values().forEach(id -> assertEquals(2 * PUSHES_PER_CLIENT, id));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
