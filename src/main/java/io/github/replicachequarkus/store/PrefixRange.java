package io.github.replicachequarkus.store;

/**
 * The end of the key range a prefix covers, in the "C" collation (byte order of UTF-8, which is code point order):
 * every key that starts with the prefix is below it, so that a scan of the primary key's index can stop there.
 */
final class PrefixRange {

    private PrefixRange() {
    }

    /**
     * The least string above every string that starts with {@code prefix}: the prefix with its last code point one
     * higher (a last code point that is the highest there is drops, and the one before it goes up); null when no string
     * is above them all (the prefix is empty, or all highest code points).
     */
    static String end(String prefix) {
        int[] points = prefix.codePoints().toArray();
        for (int last = points.length - 1; last >= 0; last--) {
            int next = points[last] + 1;
            if (next == Character.MIN_SURROGATE) {
                next = Character.MAX_SURROGATE + 1; // surrogates are not code points a string holds alone
            }
            if (next <= Character.MAX_CODE_POINT) {
                points[last] = next;
                return new String(points, 0, last + 1);
            }
        }
        return null;
    }
}
