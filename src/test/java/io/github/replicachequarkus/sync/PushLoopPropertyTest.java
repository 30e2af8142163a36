package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.RandomCases.chance;
import static io.github.replicachequarkus.testing.RandomCases.check;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.protocol.Mutation;

/**
 * The push loop against the rules of docs/protocol.md, section Push, on random pushes of a few clients: replays, gaps,
 * ids out of order, duplicates and failing mutators.
 */
class PushLoopPropertyTest {

    private static final List<String> CLIENTS = List.of("a", "b", "c");

    /** A push and the clients' last mutation ids before it (a client at 0 has processed nothing). */
    record Case(Map<String, Long> before, List<Mutation> push) {

        static Case random(Random random) {
            Map<String, Long> before = new HashMap<>();
            for (String client : CLIENTS) {
                long last = random.nextInt(5);
                if (last > 0) {
                    before.put(client, last);
                }
            }
            List<Mutation> push = new ArrayList<>();
            for (int i = random.nextInt(15); i > 0; i--) {
                push.add(new Mutation(oneOf(random, CLIENTS), 1L + random.nextInt(9),
                        chance(random, 0.2) ? "fails" : "works", null, 0.0));
            }
            return new Case(before, push);
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("before " + before + ", push");
            push.forEach(m -> text.append(' ').append(m.clientID()).append(':').append(m.id())
                    .append(m.name().equals("fails") ? "!" : ""));
            return text.toString();
        }
    }

    /** The rules for one client, on its own mutations in push order: which ids run. */
    private static List<Long> expectedRuns(long last, List<Long> ids) {
        List<Long> runs = new ArrayList<>();
        long current = last;
        for (long id : ids) {
            if (id > current + 1) {
                break; // a gap: this client's later mutations wait for the client to re-send them
            }
            if (id == current + 1) {
                runs.add(id);
                current = id;
            }
        }
        return runs;
    }

    private static Map<String, List<Long>> runsByClient(List<Mutation> ran) {
        Map<String, List<Long>> runs = new LinkedHashMap<>();
        ran.forEach(mutation -> runs.computeIfAbsent(mutation.clientID(), k -> new ArrayList<>()).add(mutation.id()));
        return runs;
    }

    private static PushLoop.Outcome process(Map<String, Long> before, List<Mutation> push, List<Mutation> ran) {
        return PushLoop.process(push, new HashMap<>(before), mutation -> {
            ran.add(mutation);
            return mutation.name().equals("fails") ? "it fails" : null;
        });
    }

    @Test
    void eachClientRunsItsNextIdsInOrderUntilAGap() {
        check("push loop", 1000, random -> {
            Case push = Case.random(random);
            List<Mutation> ran = new ArrayList<>();
            PushLoop.Outcome outcome = process(push.before(), push.push(), ran);

            Map<String, List<Long>> runs = runsByClient(ran);
            for (String client : CLIENTS) {
                long last = push.before().getOrDefault(client, 0L);
                List<Long> ids = push.push().stream().filter(m -> m.clientID().equals(client)).map(Mutation::id).toList();
                List<Long> expected = expectedRuns(last, ids);
                assertEquals(expected, runs.getOrDefault(client, List.of()), push + ": runs of " + client);
                assertEquals(expected.isEmpty() ? null : expected.get(expected.size() - 1),
                        outcome.lastMutationIDs().get(client), push + ": last mutation id of " + client);
            }
            assertEquals(push.push().size(), outcome.applied().size() + outcome.failures().size() + outcome.skipped()
                    + outcome.deferred(), push + ": every mutation is run, skipped or deferred");
            assertEquals(ran.stream().filter(m -> m.name().equals("fails")).toList(),
                    outcome.failures().stream().map(PushLoop.Failure::mutation).toList(), push.toString());
            assertEquals(!ran.isEmpty(), outcome.changed(), push.toString());
        });
    }

    @Test
    void whetherMutatorsFailChangesNotHowFarClientsAdvance() {
        check("push loop", 500, random -> {
            Case push = Case.random(random);
            List<Mutation> allWork = push.push().stream()
                    .map(m -> new Mutation(m.clientID(), m.id(), "works", null, 0.0)).toList();

            PushLoop.Outcome asSent = process(push.before(), push.push(), new ArrayList<>());
            PushLoop.Outcome allWorking = process(push.before(), allWork, new ArrayList<>());

            assertEquals(allWorking.lastMutationIDs(), asSent.lastMutationIDs(), push.toString());
            assertEquals(allWorking.skipped(), asSent.skipped(), push.toString());
            assertEquals(allWorking.deferred(), asSent.deferred(), push.toString());
        });
    }

    @Test
    void aPushSentAgainRunsNothing() {
        check("push loop", 500, random -> {
            Case push = Case.random(random);
            Map<String, Long> after = new HashMap<>(push.before());
            after.putAll(process(push.before(), push.push(), new ArrayList<>()).lastMutationIDs());

            List<Mutation> ranAgain = new ArrayList<>();
            PushLoop.Outcome again = process(after, push.push(), ranAgain);

            assertTrue(ranAgain.isEmpty(), push + ": ran again " + ranAgain);
            assertFalse(again.changed(), push.toString());
        });
    }

    /**
     * A client re-sends its pending mutations with every push: a push that was processed and then sent again with more
     * after it ends where that longer push alone would have.
     */
    @Test
    void resendingAProcessedPushWithMoreEndsWhereTheLongerPushAloneWould() {
        check("push loop", 500, random -> {
            Case first = Case.random(random);
            List<Mutation> longer = new ArrayList<>(first.push());
            longer.addAll(Case.random(random).push());
            String what = first + ", then again with more: " + longer;

            Map<String, Long> stepwise = new HashMap<>(first.before());
            List<Mutation> ranStepwise = new ArrayList<>();
            stepwise.putAll(process(first.before(), first.push(), ranStepwise).lastMutationIDs());
            stepwise.putAll(process(stepwise, longer, ranStepwise).lastMutationIDs());

            Map<String, Long> atOnce = new HashMap<>(first.before());
            List<Mutation> ranAtOnce = new ArrayList<>();
            atOnce.putAll(process(first.before(), longer, ranAtOnce).lastMutationIDs());

            assertEquals(atOnce, stepwise, what);
            assertEquals(runsByClient(ranAtOnce), runsByClient(ranStepwise), what);
        });
    }

    @Test
    void clientsAreIndependent() {
        check("push loop", 500, random -> {
            Case push = Case.random(random);
            List<Mutation> ran = new ArrayList<>();
            PushLoop.Outcome together = process(push.before(), push.push(), ran);

            Set<String> advanced = new HashSet<>();
            for (String client : CLIENTS) {
                List<Mutation> alone = push.push().stream().filter(m -> m.clientID().equals(client)).toList();
                List<Mutation> ranAlone = new ArrayList<>();
                PushLoop.Outcome outcome = process(push.before(), alone, ranAlone);
                assertEquals(ranAlone, ran.stream().filter(m -> m.clientID().equals(client)).toList(), push + ": " + client);
                assertEquals(outcome.lastMutationIDs().get(client), together.lastMutationIDs().get(client),
                        push + ": " + client);
                advanced.addAll(outcome.lastMutationIDs().keySet());
            }
            assertEquals(advanced, together.lastMutationIDs().keySet(), push.toString());
        });
    }
}
