package io.github.replicachequarkus.console;

import io.github.replicachequarkus.protocol.InvalidRequestException;

/** The query parameters of the console's pages: each absent gives its default; a bad one is a 400 that says why. */
final class Paging {

    private Paging() {
    }

    /** A page size: absent gives {@code byDefault}; otherwise a whole number from 1 to {@code max}. */
    static int limit(String limit, int byDefault, int max) {
        if (limit == null || limit.isEmpty()) {
            return byDefault;
        }
        try {
            int count = Integer.parseInt(limit);
            if (count >= 1 && count <= max) {
                return count;
            }
        } catch (NumberFormatException notANumber) {
            // said below
        }
        throw new InvalidRequestException("InvalidLimit", "limit must be a whole number from 1 to " + max);
    }

    /** How many items a page skips: absent gives 0; otherwise a whole number, 0 or more. */
    static int offset(String offset) {
        if (offset == null || offset.isEmpty()) {
            return 0;
        }
        try {
            int skipped = Integer.parseInt(offset);
            if (skipped >= 0) {
                return skipped;
            }
        } catch (NumberFormatException notANumber) {
            // said below
        }
        throw new InvalidRequestException("InvalidOffset", "offset must be a whole number, 0 or more");
    }
}
