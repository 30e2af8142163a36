package io.github.replicachequarkus.relay;

/**
 * What one machine tells the others about its rooms, beside committed changes: presence, broadcasts, snapshots, and
 * that it is alive. Ephemeral: sent once through NOTIFY, and lost to a machine that is not listening at the time.
 * <p>
 * A machine's rooms hear {@link Kind#PRESENCE}, {@link Kind#BROADCAST}, {@link Kind#SNAPSHOT} and {@link Kind#CLOSE} from the
 * others as
 * CDI events (fired on the relay's listener thread, in the order the sender sent them); the other kinds are the
 * relay's own.
 * <p>
 * One notification's payload: {@code <machine> <sequence> <kind> <spaceID length>:<spaceID><body>}. The sequence
 * numbers a machine's messages so that a receiver can tell it missed some; it also keeps two equal messages of one
 * transaction apart, since PostgreSQL delivers only one of equal notifications in a transaction. A payload too long
 * for NOTIFY is stored in the {@code relay_message} table, and the notification is {@code <machine> @ <id>}.
 *
 * @param machine the machine that sent it
 * @param spaceID the space it is about; empty for a message about no one space
 * @param body by kind: presence, a JSON array of changes as in the {@code changes} frame; broadcast, the frame's text;
 *        snapshot, a JSON object of every client the machine holds, each space's list as in the {@code present} frame;
 *        snapshot wanted, the machine asked ({@code *}: every machine)
 */
public record RoomMessage(String machine, Kind kind, String spaceID, String body) {

    /** What a message says. */
    public enum Kind {
        /** Presence changes of the sender's clients in a space. */
        PRESENCE('p'),
        /** A broadcast frame for a space's sockets. */
        BROADCAST('b'),
        /** Every presence entry the sender holds, in every space: it replaces all that was known of the sender. */
        SNAPSHOT('f'),
        /** The sender is alive. */
        HEARTBEAT('h'),
        /** The sender asks a machine (or all) for a snapshot. */
        SNAPSHOT_WANTED('s'),
        /** The sender shuts down: whatever it held is gone. */
        GOODBYE('g'),
        /** The app's backend closed a space's sockets: every machine closes its own (with 4010, so they reconnect). */
        CLOSE('c');

        final char code;

        Kind(char code) {
            this.code = code;
        }

        static Kind of(char code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown kind " + code);
        }
    }

    /** A payload received: a message and its place in its sender's sequence, or a reference to a stored one. */
    sealed interface Received {
        String machine();
    }

    record Numbered(long sequence, RoomMessage message) implements Received {
        @Override
        public String machine() {
            return message.machine();
        }
    }

    record Stored(String machine, long id) implements Received {
    }

    /** The notification payload of the message, as the sender's {@code sequence}-th. */
    String encode(long sequence) {
        return machine + " " + sequence + " " + kind.code + " " + spaceID.length() + ":" + spaceID + body;
    }

    /** The payload of a notification that points at a stored message. */
    static String reference(String machine, long id) {
        return machine + " @ " + id;
    }

    /**
     * Reads a notification's payload.
     *
     * @throws IllegalArgumentException when it is not one this relay sends
     */
    static Received decode(String payload) {
        int first = payload.indexOf(' ');
        int second = first < 0 ? -1 : payload.indexOf(' ', first + 1);
        if (first <= 0 || second < 0) {
            throw new IllegalArgumentException("not a room message");
        }
        String machine = payload.substring(0, first);
        String number = payload.substring(first + 1, second);
        if (number.equals("@")) {
            return new Stored(machine, Long.parseLong(payload.substring(second + 1)));
        }
        long sequence = Long.parseLong(number);
        if (payload.length() < second + 3 || payload.charAt(second + 2) != ' ') {
            throw new IllegalArgumentException("no kind");
        }
        Kind kind = Kind.of(payload.charAt(second + 1));
        int colon = payload.indexOf(':', second + 3);
        if (colon < 0) {
            throw new IllegalArgumentException("no space");
        }
        int spaceStart = colon + 1;
        int spaceEnd = spaceStart + Integer.parseInt(payload.substring(second + 3, colon));
        if (spaceEnd < spaceStart || spaceEnd > payload.length()) {
            throw new IllegalArgumentException("space out of bounds");
        }
        return new Numbered(sequence, new RoomMessage(machine, kind, payload.substring(spaceStart, spaceEnd),
                payload.substring(spaceEnd)));
    }

    /** The length of the text in UTF-8, which is what NOTIFY's limit counts. */
    static int utf8Length(CharSequence text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Whether NOTIFY takes the payload as it is (PostgreSQL refuses one of 8000 bytes or more). */
    static boolean fitsNotify(String payload) {
        return payload.length() < Relay.NOTIFY_LIMIT / 4 || utf8Length(payload) < Relay.NOTIFY_LIMIT;
    }
}
