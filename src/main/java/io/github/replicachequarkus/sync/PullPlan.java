package io.github.replicachequarkus.sync;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.protocol.Cookie;

/**
 * What a pull from a given cookie must send, decided from the cookie and the space's version alone.
 * <p>
 * The server issues {@link Cookie}s: the space's version, a whole number from 0, or {@code {"order", "version"}} for a
 * client whose cookie ran ahead of the space. A cookie it could have issued gets the changes since its version. Any
 * other cookie (from the future, a fraction, a string, an object from another server: a new client group may fork a
 * local snapshot with such a cookie) gets {@code clear} and the whole state, with a cookie the client sees as greater
 * than its own, because the client refuses a cookie that goes backwards. The client compares cookies as JavaScript
 * does: numbers by value, as strings when either is a string, and objects by their {@code order}.
 */
public sealed interface PullPlan {

    /** The largest whole number a JavaScript number holds exactly. */
    long MAX_SAFE_INTEGER = (1L << 53) - 1;

    /**
     * The highest a client's cookie may raise a space's version (2^52): a cookie from further ahead is answered without
     * moving it, so that no caller can bring a space near {@link #MAX_SAFE_INTEGER}, where every client would have to
     * start over. Above it, a space still has 2^52 versions to go.
     */
    long MAX_RAISE = 1L << 52;

    /** Send what changed after the cookie's version, with a cookie after {@code cookie}. */
    record Changes(Cookie cookie) implements PullPlan {

        /** The version the changes are read after. */
        public long fromVersion() {
            return cookie.version();
        }
    }

    /** Send {@code clear} and every live entry, with a cookie whose order is at least {@code minimumVersion}. */
    record Reset(long minimumVersion) implements PullPlan {
    }

    /** No cookie the server can issue is greater than the client's: the client must start afresh. */
    record ClientStateNotFound() implements PullPlan {
    }

    static PullPlan of(JsonNode cookie, long version) {
        if (cookie == null || cookie.isNull()) {
            return new Reset(version);
        }
        if (cookie.isObject()) {
            JsonNode order = cookie.get("order");
            if (order == null || !(order.isNumber() || order.isTextual())) {
                return new ClientStateNotFound();
            }
            JsonNode held = cookie.get("version");
            if (cookie.size() == 2 && isWhole(order) && isWhole(held) && held.longValue() >= 0
                    && held.longValue() <= order.longValue() && order.longValue() < MAX_SAFE_INTEGER) {
                // Ours, issued ahead of the space: the changes after the state it holds, if the space still has it
                return held.longValue() <= version ? new Changes(new Cookie(order.longValue(), held.longValue()))
                        : new Reset(Math.max(version, order.longValue() + 1));
            }
            return unknown(order, version);
        }
        if (isWhole(cookie)) {
            long issued = cookie.longValue();
            if (issued >= 0 && issued <= version) {
                return new Changes(Cookie.of(issued));
            }
        }
        return unknown(cookie, version);
    }

    /**
     * The order of the cookie to answer with, once the space's state at {@code snapshotVersion} is read: after a
     * {@link Changes}, the cookie {@link Cookie#next moves on}; after a {@link Reset}, at least its minimum.
     */
    default long order(long snapshotVersion) {
        return switch (this) {
            case Changes changes -> changes.cookie().next(snapshotVersion).order();
            case Reset reset -> Math.max(snapshotVersion, reset.minimumVersion());
            case ClientStateNotFound none -> throw new IllegalStateException("no cookie follows this one");
        };
    }

    private static boolean isWhole(JsonNode value) {
        return value != null && value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong();
    }

    /** A cookie this server did not issue: reset, with a version the client sees as greater. */
    private static PullPlan unknown(JsonNode cookie, long version) {
        if (cookie.isNumber()) {
            double value = cookie.doubleValue();
            if (Double.isNaN(value) || value >= MAX_SAFE_INTEGER) {
                return new ClientStateNotFound();
            }
            return new Reset(value < version ? version : (long) Math.floor(value) + 1);
        }
        if (cookie.isTextual()) {
            return afterString(cookie.textValue(), version);
        }
        return new ClientStateNotFound();
    }

    /**
     * The smallest version at or above {@code version} whose decimal form sorts after {@code text} as JavaScript compares
     * strings. A number's text sorts after the text when it starts with the text's first {@code i} characters (digits,
     * without a leading zero) followed by a greater digit, or by any digit once the whole text is matched; and the
     * smallest number at or above the version that starts with a given prefix is that prefix followed by zeros (had the
     * version itself started with such a prefix, it would sort after the text already).
     */
    private static PullPlan afterString(String text, long version) {
        if (Long.toString(version).compareTo(text) > 0) {
            return new Reset(version);
        }
        long best = -1;
        long prefix = 0; // the text's first i characters, as a number
        for (int i = 0; i <= text.length(); i++) {
            for (int digit = i == 0 ? 1 : 0; digit <= 9; digit++) {
                if (i < text.length() && '0' + digit <= text.charAt(i)) {
                    continue;
                }
                long candidate = scaleUp(prefix * 10 + digit, version);
                if (candidate != -1 && (best == -1 || candidate < best)) {
                    best = candidate;
                }
            }
            if (i == text.length() || text.charAt(i) < '0' || text.charAt(i) > '9' || text.charAt(0) == '0'
                    || prefix > MAX_SAFE_INTEGER / 10) {
                break; // no number's text goes on from here: a non-digit, a leading zero, or too many digits
            }
            prefix = prefix * 10 + (text.charAt(i) - '0');
        }
        return best == -1 ? new ClientStateNotFound() : new Reset(best);
    }

    /** {@code base * 10^k} for the smallest k that reaches {@code version}; -1 past what JavaScript holds exactly. */
    private static long scaleUp(long base, long version) {
        long value = base;
        while (value < version) {
            if (value > MAX_SAFE_INTEGER / 10) {
                return -1;
            }
            value *= 10;
        }
        return value <= MAX_SAFE_INTEGER ? value : -1;
    }
}
