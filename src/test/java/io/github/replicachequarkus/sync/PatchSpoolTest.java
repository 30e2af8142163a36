package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.github.replicachequarkus.protocol.PatchOperation;

/** A patch spool's parts framed once per key and shared by its holders; never for a patch each holder reads alone. */
class PatchSpoolTest {

    private static final ObjectWriter OPERATIONS = new ObjectMapper().writerFor(PatchOperation.class);

    @Test
    void holdersAskingWithOneKeyShareOneFramingAndAnotherKeyGetsItsOwn() throws IOException {
        PatchSpool patch = patch(1 << 20, 3).share(3);
        AtomicInteger framed = new AtomicInteger();
        PatchSpool.Framer<String> framer = (elements, more) -> {
            framed.incrementAndGet();
            return "[" + elements + "]" + more;
        };

        List<String> first = patch.sharedFrames("a", 40, framer).orElseThrow();
        List<String> again = patch.sharedFrames("a", 40, framer).orElseThrow();
        List<String> other = patch.sharedFrames("b", 40, framer).orElseThrow();

        assertSame(first, again, "one key is framed once");
        assertNotSame(first, other);
        assertEquals(first, other, "the same parts, framed alike");
        assertEquals(2 * first.size(), framed.get());
        List<String> read = new ArrayList<>();
        patch.inParts(40, (elements, more) -> read.add("[" + elements + "]" + more));
        assertEquals(read, first, "the frames hold the parts a holder reading alone gets, in order");
        assertTrue(first.size() > 1 && first.getLast().endsWith("false") && first.getFirst().endsWith("true"), "" + first);
    }

    @Test
    void onlyTheMostRecentlyAskedForFramingsAreKept() throws IOException {
        PatchSpool patch = patch(1 << 20, 2).share(2);
        List<String> kept = patch.sharedFrames("kept", 1 << 10, (elements, more) -> elements).orElseThrow();
        List<String> dropped = patch.sharedFrames("dropped", 1 << 10, (elements, more) -> elements).orElseThrow();
        for (int i = 0; i < PatchSpool.MAX_FRAMINGS - 1; i++) {
            patch.sharedFrames("kept", 1 << 10, (elements, more) -> elements); // asked for again: recent
            patch.sharedFrames("other-" + i, 1 << 10, (elements, more) -> elements);
        }
        assertSame(kept, patch.sharedFrames("kept", 1 << 10, (elements, more) -> elements).orElseThrow());
        assertNotSame(dropped, patch.sharedFrames("dropped", 1 << 10, (elements, more) -> elements).orElseThrow(),
                "the least recently asked for framing was let go");
    }

    @Test
    void aPatchNotSharedOrSpilledToItsFileIsNotFramedForSharing() throws IOException {
        assertTrue(patch(1 << 20, 2).sharedFrames("a", 1 << 10, (elements, more) -> elements).isEmpty(),
                "a patch of one holder");
        PatchSpool spilled = patch(64, 20).share(2);
        try {
            assertTrue(spilled.sharedFrames("a", 1 << 10, (elements, more) -> elements).isEmpty(), "a patch in a file");
        } finally {
            spilled.delete();
            spilled.delete();
        }
    }

    @Test
    void aPatchInMemoryCountsForThePartsAndFramesCutFromItAndOneInAFileForItsBytes() throws IOException {
        PatchSpool inMemory = patch(1 << 20, 20).share(1);
        PatchSpool spilled = patch(64, 20).share(1);
        try {
            long size = inMemory.size();
            assertEquals(size * (2 + PatchSpool.MAX_FRAMINGS), inMemory.footprint(),
                    "its bytes, its parts once cut, and each framing it may keep");
            long framed = 0;
            for (int key = 0; key < PatchSpool.MAX_FRAMINGS + 2; key++) {
                String head = "{\"key\":" + key + ",\"patch\":[";
                framed = 0;
                for (String frame : inMemory.sharedFrames("k" + key, 1 << 10, (elements, more) -> head + elements + "]}")
                        .orElseThrow()) {
                    framed += frame.length();
                }
            }
            assertTrue(framed < size + 20L * 64, "a framing holds about the patch's size: " + framed + " for " + size);
            assertEquals(spilled.size(), spilled.footprint(), "a patch in its file is read by each holder, never framed");
        } finally {
            inMemory.delete();
            spilled.delete();
        }
    }

    private static PatchSpool patch(int inMemory, int operations) {
        PatchSpool patch = new PatchSpool(OPERATIONS, inMemory);
        for (int i = 0; i < operations; i++) {
            patch.add(PatchOperation.put("key-" + i, "{\"n\":" + i + "}"));
        }
        return patch;
    }
}
