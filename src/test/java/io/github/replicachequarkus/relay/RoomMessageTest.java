package io.github.replicachequarkus.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.relay.RoomMessage.Kind;
import io.github.replicachequarkus.testing.RandomCases;

class RoomMessageTest {

    @Test
    void aMessageReadsBackAsItWasSentWhateverItsSpaceAndBodyHold() {
        RandomCases.check("room message round trip", 500, random -> {
            String space = randomText(random, random.nextInt(12));
            String body = randomText(random, random.nextInt(40));
            Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
            long sequence = random.nextLong(1, Long.MAX_VALUE);
            RoomMessage message = new RoomMessage("m-1", kind, space, body);

            RoomMessage.Received received = RoomMessage.decode(message.encode(sequence));

            assertEquals(new RoomMessage.Numbered(sequence, message), received);
        });
    }

    @Test
    void aStoredMessageIsReadAsAReferenceToIt() {
        assertEquals(new RoomMessage.Stored("m-1", 42), RoomMessage.decode(RoomMessage.reference("m-1", 42)));
    }

    @Test
    void whatThisRelayDoesNotSendIsRefused() {
        for (String payload : new String[] { "", "m-1", "m-1 7", "m-1 7 p", "m-1 7 x 0:", "m-1 7 p 5:ab",
                "m-1 7 p -3:abc", "m-1 seven p 0:", "m-1 @ x", "m-1 7 pp 0:" }) {
            assertThrows(IllegalArgumentException.class, () -> RoomMessage.decode(payload), payload);
        }
    }

    @Test
    void notifysLimitCountsBytesNotCharacters() {
        String ascii = "a".repeat(Relay.NOTIFY_LIMIT - 1);
        assertTrue(RoomMessage.fitsNotify(ascii));
        assertFalse(RoomMessage.fitsNotify(ascii + "a"));
        String threeBytes = "€".repeat(2700); // 8100 bytes in 2700 characters
        assertEquals(threeBytes.getBytes(StandardCharsets.UTF_8).length, RoomMessage.utf8Length(threeBytes));
        assertFalse(RoomMessage.fitsNotify(threeBytes));
        String fourBytes = "😀".repeat(1000); // 4000 bytes in 2000 characters
        assertEquals(4000, RoomMessage.utf8Length(fourBytes));
        assertTrue(RoomMessage.fitsNotify(fourBytes));
    }

    private static String randomText(Random random, int length) {
        String alphabet = "ab :@1\u00e9\u20ac\ud83d\ude00{}\"";
        StringBuilder text = new StringBuilder();
        while (text.length() < length) {
            int at = random.nextInt(alphabet.length());
            char c = alphabet.charAt(at);
            text.append(Character.isHighSurrogate(c) ? alphabet.substring(at, at + 2)
                    : Character.isLowSurrogate(c) ? "x" : String.valueOf(c));
        }
        return text.toString();
    }
}
