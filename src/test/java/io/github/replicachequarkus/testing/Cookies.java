package io.github.replicachequarkus.testing;

import com.fasterxml.jackson.databind.JsonNode;

/** Cookies as the Replicache client compares them, for checking what the server answers to any cookie. */
public final class Cookies {

    /** The largest whole number a JavaScript number holds exactly. */
    public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private Cookies() {
    }

    /**
     * Whether the client sees the version, as a cookie, as greater than the cookie it holds. Replicache's
     * {@code compareCookies}: null is lowest; objects compare by their {@code order}; as strings when either side is a
     * string; else by value.
     */
    public static boolean greater(long issued, JsonNode held) {
        if (held == null || held.isNull()) {
            return true;
        }
        JsonNode value = held.isObject() ? held.get("order") : held;
        if (value.isTextual()) {
            return Long.toString(issued).compareTo(value.textValue()) > 0;
        }
        return issued > value.doubleValue();
    }

    /** Whether the server could issue, at this version or later, a cookie the client sees as greater than its own. */
    public static boolean anyGreater(JsonNode held, long version) {
        if (held == null || held.isNull()) {
            return true;
        }
        JsonNode value = held.isObject() ? held.get("order") : held;
        if (value == null || !(value.isNumber() || value.isTextual())) {
            return false;
        }
        if (value.isNumber()) {
            return value.doubleValue() < MAX_SAFE_INTEGER; // false for NaN too
        }
        // The greatest decimal text of a safe integer from the version up: fifteen nines, or past them the largest
        // safe integer itself (every larger safe integer has sixteen digits and starts with 900).
        String greatest = version <= 999_999_999_999_999L ? "9".repeat(15) : Long.toString(MAX_SAFE_INTEGER);
        return greatest.compareTo(value.textValue()) > 0;
    }

    /** Whether the server issued the cookie, or could have: a whole number from 0 to the version, as 3 or 3.0. */
    public static boolean issuable(JsonNode held, long version) {
        return held != null && held.isNumber() && held.canConvertToExactIntegral() && held.canConvertToLong()
                && held.longValue() >= 0 && held.longValue() <= version;
    }
}
