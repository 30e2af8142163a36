package io.github.replicachequarkus.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.RandomCases;

class PrefixRangeTest {

    @Test
    void theEndIsThePrefixWithItsLastCodePointOneHigher() {
        assertEquals("todo0", PrefixRange.end("todo/"));
        assertEquals("b", PrefixRange.end("a"));
        assertEquals("\ue000", PrefixRange.end("\ud7ff"), "surrogates are skipped");
        assertEquals("b", PrefixRange.end("a" + new String(Character.toChars(Character.MAX_CODE_POINT))));
        assertNull(PrefixRange.end(""));
        assertNull(PrefixRange.end(new String(Character.toChars(Character.MAX_CODE_POINT))));
    }

    /** In byte order of UTF-8, as the "C" collation compares: every key with the prefix is below the end. */
    @Test
    void everyKeyThatStartsWithThePrefixIsBelowTheEnd() {
        int[] alphabet = { 'a', 'z', '/', 0x7f, 0xe9, 0x20ac, 0xd7ff, 0xe000, 0xffff, 0x1f600, Character.MAX_CODE_POINT };
        RandomCases.check("prefix range", 2000, random -> {
            StringBuilder prefix = new StringBuilder();
            for (int i = random.nextInt(4); i > 0; i--) {
                prefix.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
            }
            StringBuilder key = new StringBuilder(prefix);
            for (int i = random.nextInt(4); i > 0; i--) {
                key.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
            }
            String end = PrefixRange.end(prefix.toString());
            if (end != null) {
                assertTrue(compare(key.toString(), end) < 0, key + " is below " + end);
                assertTrue(compare(prefix.toString(), end) < 0);
            }
        });
    }

    private static int compare(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
