package io.github.replicachequarkus.protocol;

/**
 * Text that PostgreSQL stores as it is. A {@code text} column cannot hold a NUL character (the statement fails), and the
 * JDBC driver writes an unpaired surrogate (which a JSON string may hold, escaped) as {@code ?}, so that two different ids or
 * keys would become one. Client ids, group ids and keys must be such text; JSON values escape NUL themselves.
 */
public final class StorableText {

    private StorableText() {
    }

    public static boolean isStorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0' || Character.isLowSurrogate(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++; // a surrogate pair: one character outside the Basic Multilingual Plane
            }
        }
        return true;
    }
}
