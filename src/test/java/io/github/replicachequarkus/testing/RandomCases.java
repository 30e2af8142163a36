package io.github.replicachequarkus.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Runs a check on many randomly generated cases, each from a seed of its own, and says in a failure how to run exactly
 * that case again.
 * <ul>
 * <li>{@code -Dreplicache.fuzz.seed=S}: the first case's seed (case i has seed S + i); without it, each run draws
 * one, unless the test fixes its own default;</li>
 * <li>{@code -Dreplicache.fuzz.cases=N}: how many cases each test runs, instead of its own count (1 to replay a
 * failure, thousands for a long soak);</li>
 * <li>{@code -Dreplicache.fuzz.keep-going=true}: run every case and report all failures, not just the first.</li>
 * </ul>
 */
public final class RandomCases {

    /** A check of one case, generated from its own {@link Random}. */
    @FunctionalInterface
    public interface Check {
        void run(Random random) throws Exception;
    }

    private RandomCases() {
    }

    /** Runs {@code count} cases from a fresh seed, or the one given with {@code -Dreplicache.fuzz.seed}. */
    public static void check(String what, int count, Check check) {
        check(what, count, new Random().nextLong(), check);
    }

    /** Runs {@code count} cases from {@code defaultSeed}, or the seed given with {@code -Dreplicache.fuzz.seed}. */
    public static void check(String what, int count, long defaultSeed, Check check) {
        long seed = Long.getLong("replicache.fuzz.seed", defaultSeed);
        int cases = Integer.getInteger("replicache.fuzz.cases", count);
        boolean keepGoing = Boolean.getBoolean("replicache.fuzz.keep-going");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            long caseSeed = seed + i;
            try {
                check.run(new Random(caseSeed));
            } catch (Throwable e) {
                AssertionError failure = new AssertionError(
                        "%s: case %d of %d failed; run it alone with -Dreplicache.fuzz.seed=%d -Dreplicache.fuzz.cases=1: %s"
                                .formatted(what, i + 1, cases, caseSeed, e.getMessage()),
                        e);
                if (!keepGoing) {
                    throw failure;
                }
                failures.add(failure.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " cases failed:\n" + String.join("\n\n", failures));
        }
    }

    /** One of the items, each as likely. */
    @SafeVarargs
    public static <T> T oneOf(Random random, T... items) {
        return items[random.nextInt(items.length)];
    }

    public static <T> T oneOf(Random random, List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    /** True with the given chance, from 0 to 1. */
    public static boolean chance(Random random, double probability) {
        return random.nextDouble() < probability;
    }
}
