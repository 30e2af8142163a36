package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.RandomCases.check;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.github.replicachequarkus.protocol.Cookie;
import io.github.replicachequarkus.testing.Cookies;

/**
 * What a pull from any cookie must send (docs/protocol.md, section What a pull sends), checked against the client's
 * own comparison of cookies: a cookie the server issued gets the changes since it; any other gets everything with the
 * smallest cookie the client sees as greater than its own; and only when no cookie the server can send is greater is
 * the client told to start afresh.
 */
class PullPlanPropertyTest {

    private static final long MAX_SAFE = Cookies.MAX_SAFE_INTEGER;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static long randomVersion(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextLong(3001);
            case 1 -> oneOf(random, 0L, 1L, 9L, 10L, 99L, 100L);
            default -> 999_999_999_999_990L + random.nextLong(MAX_SAFE - 999_999_999_999_990L);
        };
    }

    private static String randomString(Random random, char from, char to, int minLength, int maxLength) {
        StringBuilder text = new StringBuilder();
        for (int i = minLength + random.nextInt(maxLength - minLength + 1); i > 0; i--) {
            text.append((char) (from + random.nextInt(to - from + 1)));
        }
        return text.toString();
    }

    private static JsonNode randomNumber(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> LongNode.valueOf(-5 + random.nextInt(3106));
            case 1 -> LongNode.valueOf(MAX_SAFE - 3 + random.nextInt(7));
            case 2 -> LongNode.valueOf(random.nextLong());
            case 3 -> DoubleNode.valueOf(-10 + random.nextDouble() * 3110);
            case 4 -> DoubleNode.valueOf(oneOf(random, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                    -0.0, 1e300, 0.5, 3.0));
            default -> LongNode.valueOf(random.nextInt(12));
        };
    }

    private static JsonNode randomText(Random random) {
        return TextNode.valueOf(switch (random.nextInt(4)) {
            case 0 -> randomString(random, '0', '9', 0, 5);
            case 1 -> randomString(random, '0', '9', 14, 17);
            case 2 -> randomString(random, ' ', '~', 0, 4);
            default -> randomString(random, '\0', '\uffff', 0, 3);
        });
    }

    private static JsonNode randomCookie(Random random) {
        return switch (random.nextInt(13)) {
            case 11, 12 -> issuedAhead(random);
            case 0, 1, 2, 3 -> randomNumber(random);
            case 4, 5, 6 -> randomText(random);
            case 7, 8 -> NODES.objectNode().set("order", random.nextBoolean() ? randomNumber(random) : randomText(random));
            case 9 -> NullNode.getInstance();
            default -> oneOf(random, BooleanNode.TRUE, NODES.arrayNode().add(1), NODES.objectNode().put("other", 1),
                    NODES.objectNode());
        };
    }

    /** A cookie as the server issues it to a client that came from ahead: {"order", "version"}, order above version. */
    private static JsonNode issuedAhead(Random random) {
        long held = random.nextBoolean() ? random.nextLong(3001) : randomVersion(random);
        long order = held + 1 + (random.nextBoolean() ? random.nextLong(50) : random.nextLong(MAX_SAFE - held - 1));
        return new Cookie(order, held).json();
    }

    @Test
    void aCookieGetsTheChangesSinceItOrEverythingWithAGreaterCookie() {
        check("pull plan", 5000, random -> {
            JsonNode cookie = randomCookie(random);
            long version = randomVersion(random);
            PullPlan plan = PullPlan.of(cookie, version);
            String what = "cookie " + cookie + " at version " + version + ": " + plan;
            if (Cookies.issuable(cookie, version)) {
                assertEquals(new PullPlan.Changes(Cookie.of(cookie.longValue())), plan, what);
                return;
            }
            if (cookie.isObject() && cookie.has("version") && cookie.get("version").longValue() <= version) {
                // Issued ahead of the space, and the space still holds the state it stands for: the changes since it
                assertEquals(new PullPlan.Changes(new Cookie(cookie.get("order").longValue(),
                        cookie.get("version").longValue())), plan, what);
                return;
            }
            if (!Cookies.anyGreater(cookie, version)) {
                assertEquals(new PullPlan.ClientStateNotFound(), plan, what);
                return;
            }
            assertTrue(plan instanceof PullPlan.Reset, what);
            long next = ((PullPlan.Reset) plan).minimumVersion();
            assertTrue(next >= version && next <= MAX_SAFE, what);
            assertTrue(Cookies.greater(next, cookie), what + ": the client would not take the new cookie");
            // The smallest: no smaller version would do (every one is tried when there are not too many).
            assertTrue(next == version || !Cookies.greater(next - 1, cookie), what + ": " + (next - 1) + " would do");
            for (long smaller = version; smaller < next && next - version <= 100_000; smaller++) {
                assertTrue(!Cookies.greater(smaller, cookie), what + ": " + smaller + " would do");
            }
        });
    }

    @Test
    void aCookieFromAheadMovesOnWithTheSpaceUntilTheSpacePassesIt() {
        check("cookie after cookie", 2000, random -> {
            Cookie cookie = new Cookie(random.nextLong(1000, 2000), random.nextLong(1000));
            for (int step = 0; step < 100; step++) {
                long newVersion = cookie.version() + 1 + (random.nextInt(4) == 0 ? random.nextInt(2000) : 0);
                Cookie next = cookie.next(newVersion);
                String what = cookie + " -> " + next + " at version " + newVersion;
                assertTrue(Cookies.greater(next.order(), cookie.json()), what + ": the client would not take it");
                assertEquals(newVersion, next.version(), what + ": the state it stands for");
                assertEquals(newVersion > cookie.order(), !next.ahead(), what + ": a plain number once the space passed");
                cookie = next;
            }
            assertEquals(cookie, cookie.next(cookie.version()), "nothing new: the same cookie");
        });
    }
}
