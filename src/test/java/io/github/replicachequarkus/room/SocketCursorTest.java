package io.github.replicachequarkus.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.replicachequarkus.protocol.Cookie;

/**
 * A socket's bookkeeping, without a socket: what it was last sent, and what a change holds for it. Cookies are written
 * as the client gets them: {@code 5}, or {@code 1006/1000} for order 1006 over the state of version 1000.
 */
class SocketCursorTest {

    @Test
    void beforeItsFirstReplyASocketIsDueNothing() {
        SocketCursor cursor = new SocketCursor();

        assertNull(cursor.sent());
        assertEquals(-1, cursor.version());
        assertEquals(-1, cursor.dueFrom(Long.MAX_VALUE), "its hello's reply brings it everything");
        assertEquals(SocketCursor.NOTHING, cursor.offer(0, 3));
    }

    /** Each case: the cookie the socket was sent before (none for a first hello), the pull's, the reply's. */
    @ParameterizedTest(name = "sent {0}, pulled {1}: replies with {2}")
    @CsvSource(delimiter = '|', textBlock = """
            none      | 0         | 0
            none      | 7         | 7
            none      | 1006/1000 | 1006/1000
            3         | 7         | 7
            7         | 7         | 7
            10        | 9         | 10/9
            1006/1000 | 1000      | 1006/1000
            1006/1000 | 1003      | 1006/1003
            1006/1000 | 1010      | 1010
            1006/1000 | 1008/1004 | 1008/1004
            """)
    void aReplyNeverTakesTheCookieBack(String before, String pulled, String reply) {
        SocketCursor cursor = new SocketCursor();
        if (!before.equals("none")) {
            cursor.replied(cookie(before));
        }

        Cookie sent = cursor.replied(cookie(pulled));

        assertEquals(cookie(reply), sent);
        assertEquals(sent, cursor.sent(), "the reply's cookie is the next poke's base");
        assertEquals(cookie(pulled).version(), cursor.version(), "the socket holds the state the pull read");
    }

    /**
     * Each case: the cookie the socket was sent, the newest version it was checked against, whether a hello or pull is
     * being answered; the change (read after a version, up to a version); what is due.
     */
    @ParameterizedTest(name = "sent {0}, seen {1}, replying {2}; changes {3}..{4}: {5}")
    @CsvSource(delimiter = '|', textBlock = """
            5         | 5    | false | 5    | 6    | poke 5 -> 6
            5         | 5    | false | 3    | 9    | poke 5 -> 9
            5         | 5    | false | 5    | 5    | nothing
            5         | 8    | false | 5    | 8    | nothing
            5         | 8    | false | 5    | 9    | poke 5 -> 9
            5         | 5    | true  | 5    | 6    | nothing
            5         | 5    | false | 6    | 9    | whole state
            5         | 5    | true  | 6    | 9    | whole state
            1006/1000 | 1000 | false | 1000 | 1001 | poke 1006/1000 -> 1007/1001
            1006/1000 | 1000 | false | 1000 | 1006 | poke 1006/1000 -> 1007/1006
            1006/1000 | 1000 | false | 1000 | 1007 | poke 1006/1000 -> 1007
            1006/1000 | 1000 | false | 1000 | 1020 | poke 1006/1000 -> 1020
            """)
    void aChangeIsOfferedFromTheCookieLastSent(String sent, long seen, boolean replying, long from, long version,
            String due) {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(cookie(sent));
        if (seen > cursor.version()) {
            cursor.offer(cursor.version(), seen); // checked against a change that held nothing for it
        }
        if (replying) {
            cursor.startReply();
        }

        assertEquals(due, describe(cursor.offer(from, version)));
    }

    @Test
    void pokesChainEachFromTheCookieOfTheLast() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(1));

        for (long version = 2; version <= 4; version++) {
            assertEquals(version - 1, cursor.dueFrom(version));
            SocketCursor.Poke poke = (SocketCursor.Poke) cursor.offer(version - 1, version);
            assertEquals(Cookie.of(version - 1), poke.base());
            assertEquals(Cookie.of(version), poke.next());
            cursor.poking(poke);
            cursor.written();
        }
        assertEquals(Cookie.of(4), cursor.sent());
    }

    @Test
    void whileAPokeIsWrittenNewerChangesWaitAndThenGoOutTogether() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(1));
        cursor.poking((SocketCursor.Poke) cursor.offer(1, 2));

        assertEquals(-1, cursor.dueFrom(3), "one poke at a time");
        assertEquals(SocketCursor.NOTHING, cursor.offer(2, 3));
        assertEquals(SocketCursor.NOTHING, cursor.offer(2, 4));

        cursor.written();
        assertEquals(2, cursor.dueFrom(4));
        assertEquals("poke 2 -> 4", describe(cursor.offer(2, 4)), "one larger poke, from the cookie last sent");
    }

    @Test
    void aPokeThatHoldsNothingForTheSocketLeavesItsCookieAsItWas() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(0));

        assertEquals("poke 0 -> 1", describe(cursor.offer(0, 1))); // another group's client changed: nothing to send
        assertEquals(-1, cursor.dueFrom(1), "version 1 was checked");
        assertEquals(0, cursor.dueFrom(2));
        assertEquals("poke 0 -> 2", describe(cursor.offer(0, 2)), "the base is still the cookie it was sent");
    }

    @Test
    void noPokeIsDueWhileAHelloOrPullIsAnswered() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(3));
        cursor.startReply();

        assertEquals(-1, cursor.dueFrom(4));
        assertEquals(SocketCursor.NOTHING, cursor.offer(3, 4));

        cursor.replied(Cookie.of(4));
        assertTrue(cursor.endReply(), "a reply was under way: what came meanwhile may be due");
        assertFalse(cursor.endReply(), "and only once");
        assertEquals(-1, cursor.dueFrom(4), "the reply brought version 4");
        assertEquals("poke 4 -> 5", describe(cursor.offer(4, 5)));
    }

    @Test
    void aChangeReadBeforeAReplyMovedTheSocketBringsNothing() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(5));
        cursor.replied(Cookie.of(9)); // a pull frame answered while the pass read changes up to 8

        assertEquals(SocketCursor.NOTHING, cursor.offer(5, 8));
        assertEquals("poke 9 -> 10", describe(cursor.offer(5, 10)));
    }

    @Test
    void aHelloWhileAPokeIsWrittenResetsTheBaseOfTheNext() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(1));
        cursor.poking((SocketCursor.Poke) cursor.offer(1, 2));
        cursor.startReply();
        cursor.replied(new Cookie(1006, 1000)); // a hello from ahead, answered with the whole state
        cursor.endReply();
        cursor.written();

        assertEquals(1000, cursor.dueFrom(1001));
        assertEquals("poke 1006/1000 -> 1007/1001", describe(cursor.offer(1000, 1001)));
    }

    @Test
    void afterChangesWereMissedEverySocketIsCheckedAgain() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(5));

        assertEquals(-1, cursor.dueFrom(5), "checked up to the latest change this machine heard of");
        assertEquals(5, cursor.dueFrom(Long.MAX_VALUE), "a resync looks at it anyway");
        assertEquals(SocketCursor.NOTHING, cursor.offer(5, 5), "the database has nothing newer");
        assertEquals("poke 5 -> 7", describe(cursor.offer(5, 7)), "or has what the relay did not say");
    }

    @Test
    void aSocketWhoseUnseenChangesWerePurgedIsDueTheWholeStateAndIsNotMoved() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(Cookie.of(3));

        assertEquals(SocketCursor.WHOLE_STATE, cursor.offer(6, 9));
        assertEquals(Cookie.of(3), cursor.sent());
        assertEquals(3, cursor.dueFrom(9), "nothing was marked seen");
    }

    @Test
    void aCookieAheadOfTheSpaceIsReadFromItsVersionAndPassedOnceTheVersionIs() {
        SocketCursor cursor = new SocketCursor();
        cursor.replied(new Cookie(1006, 1000)); // a reader whose cookie was ahead of a space it could not move

        long version = 1000;
        for (long next : new long[] { 1001, 1004, 1009, 1012 }) {
            assertEquals(version, cursor.dueFrom(next), "changes are read after the version it holds");
            SocketCursor.Poke poke = (SocketCursor.Poke) cursor.offer(version, next);
            assertTrue(poke.next().order() > poke.base().order(), poke + " goes up");
            cursor.poking(poke);
            cursor.written();
            version = next;
        }
        assertEquals(Cookie.of(1012), cursor.sent(), "a plain number again once the version passed the order");
    }

    /** {@code 5} or {@code 1006/1000} (order over version). */
    private static Cookie cookie(String text) {
        String[] parts = text.split("/");
        return parts.length == 1 ? Cookie.of(Long.parseLong(parts[0]))
                : new Cookie(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }

    private static String text(Cookie cookie) {
        return cookie.ahead() ? cookie.order() + "/" + cookie.version() : Long.toString(cookie.version());
    }

    private static String describe(SocketCursor.Due due) {
        return switch (due) {
            case SocketCursor.Nothing nothing -> "nothing";
            case SocketCursor.WholeState whole -> "whole state";
            case SocketCursor.Poke poke -> "poke " + text(poke.base()) + " -> " + text(poke.next());
        };
    }
}
