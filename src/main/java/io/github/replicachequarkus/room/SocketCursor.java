package io.github.replicachequarkus.room;

import io.github.replicachequarkus.protocol.Cookie;

/**
 * Where one socket of a room stands and what is due to it next: plain bookkeeping, with neither I/O nor a lock of its
 * own ({@link Member} owns one and calls it under its monitor).
 * <p>
 * A socket is sent a cookie by the reply to its hello or to a pull frame, and by each poke. The cookie it was last
 * sent is the base of its next poke; the version of the state that cookie brought is where the poke's changes start.
 * The two are one number, except after a reply to a cookie ahead of a space that could not move (then the order is
 * greater, and stays ahead until the version passes it: {@link Cookie#next}).
 * <p>
 * The cookies a socket is sent never go down: no poke is due while a hello or pull is being answered, a reply never
 * takes the cookie back, and each poke's cookie is above the last. Pokes go out one at a time: while one is being
 * written, newer changes wait and then go out together, so a slow socket gets one larger poke rather than a queue of
 * stale ones.
 */
final class SocketCursor {

    /** What a change holds for the socket ({@link #offer}). */
    sealed interface Due {
    }

    /** Nothing to send now: nothing new, or a poke or a reply is under way (the pass after it brings what is left). */
    record Nothing() implements Due {
    }

    /** Changes the socket has not seen were purged: only the whole state brings it up to date, by a new hello. */
    record WholeState() implements Due {
    }

    /** A poke: what changed after {@code base}'s version, with {@code next} as its cookie. */
    record Poke(Cookie base, Cookie next) implements Due {
    }

    static final Due NOTHING = new Nothing();
    static final Due WHOLE_STATE = new WholeState();

    /** The cookie last sent (in a reply or a poke); null before the reply to the first hello. */
    private Cookie sent;
    /** The newest version this socket was checked against: nothing up to it is left to send. */
    private long seen = -1;
    /** A poke is being written: the next waits until it is. */
    private boolean writing;
    /** A hello or pull is being answered: no poke is due until its reply is sent. */
    private boolean replying;

    /** The cookie last sent; null before the reply to the first hello. */
    Cookie sent() {
        return sent;
    }

    /** The version of the state this socket was last sent; -1 before the reply to its first hello. */
    long version() {
        return sent == null ? -1 : sent.version();
    }

    /**
     * Whether a broadcast pass for the changes up to {@code target} should look at this socket, and from which version
     * it should read them: -1 for no (nothing sent yet, a poke or a reply under way, or checked up to the target
     * already). A pass after changes were missed looks at every socket: its target is {@link Long#MAX_VALUE}.
     */
    long dueFrom(long target) {
        return sent != null && !writing && !replying && seen < target ? sent.version() : -1;
    }

    /** Whether the socket was checked against changes only up to a version older than this one. */
    boolean seenBefore(long version) {
        return seen < version;
    }

    /** A hello or pull is about to be answered: no poke is due until {@link #endReply}. */
    void startReply() {
        replying = true;
    }

    /**
     * The hello or pull was answered (or failed to be). True when a reply was under way: changes that came meanwhile
     * may be due now.
     */
    boolean endReply() {
        boolean was = replying;
        replying = false;
        return was;
    }

    /**
     * A reply to a hello or pull brings the socket to the state of {@code pulled}; returns the cookie the reply carries,
     * its base from now on. That is the pull's own cookie, unless the socket was sent a greater one already (its client
     * declared an older base than that): a reply never takes the cookie back, so it carries the changes from the older
     * base under the cookie the socket already had.
     */
    Cookie replied(Cookie pulled) {
        long order = sent == null ? pulled.order() : Math.max(sent.order(), pulled.order());
        sent = new Cookie(order, pulled.version());
        seen = Math.max(seen, pulled.version());
        return sent;
    }

    /**
     * What the changes read after {@code fromVersion}, up to {@code version}, hold for this socket. A {@link Poke} marks
     * them seen: the caller builds it from the changes after the base, and sends it ({@link #poking}) only if that
     * holds anything for this socket.
     */
    Due offer(long fromVersion, long version) {
        if (sent == null) {
            return NOTHING; // its hello's reply brings it everything
        }
        if (sent.version() < fromVersion) {
            return WHOLE_STATE;
        }
        if (writing || replying || version <= seen) {
            return NOTHING;
        }
        seen = version;
        return new Poke(sent, sent.next(version));
    }

    /** The poke is being written: its cookie is the socket's base from now on, and no other is due until it is written. */
    void poking(Poke poke) {
        sent = poke.next();
        writing = true;
    }

    /** The poke being written was written (or failed to be): the next may be due. */
    void written() {
        writing = false;
    }
}
