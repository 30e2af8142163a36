package io.github.replicachequarkus.store;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;

import jakarta.inject.Inject;

import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.query.spi.QueryInterpretationCache;
import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class QueryWarmupTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    SessionFactory sessionFactory;

    @Inject
    QueryWarmup warmup;

    @Test
    void pushesPullsHellosAndPokesRunOnlyQueriesTranslatedAtStartUp() {
        QueryInterpretationCache cache = sessionFactory.unwrap(SessionFactoryImplementor.class).getQueryEngine()
                .getInterpretationCache();
        cache.close(); // forgets every translation, as after a start
        warmup.run();
        int translated = cache.getNumberOfCachedHqlInterpretations();
        assertTrue(translated > 0, "the warm-up translated nothing");

        String space = space();
        String writer = client();
        String reader = client();
        pushOk(space, "writers", mutation(writer, 1, "put", Map.of("key", "a", "value", 1)));
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(reader, "readers", null);
            pushOk(space, "writers", mutation(writer, 2, "put", Map.of("key", "b", "value", 2)),
                    mutation(writer, 3, "remove", "a"));
            assertEquals(1, socket.next().get("baseCookie").asLong()); // the poke, built from the changes since 1
        }
        pullOk(space, "writers", null);
        pullOk(space, "writers", 1);

        assertEquals(translated, cache.getNumberOfCachedHqlInterpretations(), "a query was translated on first use");
    }
}
