package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.protocol.PatchOperation;

/**
 * The patches kept for the next batches of hellos: taken only for the same space, start and version, each holder
 * counted, and let go of when they expire, when a newer version of their space is kept, or when room is needed.
 */
class RecentPatchesTest {

    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    private static final long KEEP = 1_000;

    private final RecentPatches recent = new RecentPatches(10_000, KEEP);

    @Test
    void aKeptPatchIsTakenForTheSameSpaceStartAndVersionOnly() {
        PatchSpool patch = shared(3, 2);
        RecentPatches.Key key = new RecentPatches.Key("s", CREATED, 4, 9);
        recent.keep(key, patch, 0);

        assertNull(recent.take(new RecentPatches.Key("t", CREATED, 4, 9), 1, 1), "another space");
        assertNull(recent.take(new RecentPatches.Key("s", CREATED.plusSeconds(1), 4, 9), 1, 1), "another space of that id");
        assertNull(recent.take(new RecentPatches.Key("s", CREATED, 3, 9), 1, 1), "another start");
        assertNull(recent.take(new RecentPatches.Key("s", CREATED, 4, 10), 1, 1), "another version");
        assertSame(patch, recent.take(key, 2, 1));

        // 2 replies of the batch that read it, 2 of the batch that took it: the kept one outlives them all
        for (int i = 0; i < 4; i++) {
            patch.delete();
        }
        assertSame(patch, recent.take(key, 1, 2), "still kept");
        patch.delete();
    }

    @Test
    void aPatchUnusedForLongerThanItIsKeptIsLetGoOf() {
        PatchSpool patch = shared(1, 1);
        RecentPatches.Key key = new RecentPatches.Key("s", CREATED, 0, 1);
        recent.keep(key, patch, 0);
        assertSame(patch, recent.take(key, 1, KEEP - 1), "used again just in time");
        patch.delete();

        assertNull(recent.take(key, 1, 2 * KEEP - 1), "unused for as long as it is kept");
        assertEquals(0, recent.size());
        patch.delete(); // the reply that read it: the last holder
        assertFalse(patch.retain(1), "gone");
    }

    @Test
    void aNewerVersionOfTheSpaceReplacesTheOlderAndAnOlderOneIsNotKept() {
        PatchSpool older = shared(1, 1);
        PatchSpool newer = shared(1, 1);
        PatchSpool slower = shared(1, 1);
        PatchSpool otherSpace = shared(1, 1);
        recent.keep(new RecentPatches.Key("s", CREATED, 0, 5), older, 0);
        recent.keep(new RecentPatches.Key("t", CREATED, 0, 5), otherSpace, 0);
        recent.keep(new RecentPatches.Key("s", CREATED, 2, 6), newer, 0);
        recent.keep(new RecentPatches.Key("s", CREATED, 0, 4), slower, 0);

        assertNull(recent.take(new RecentPatches.Key("s", CREATED, 0, 5), 1, 1), "replaced by the space's newer version");
        assertNull(recent.take(new RecentPatches.Key("s", CREATED, 0, 4), 1, 1), "older than one kept");
        assertSame(newer, recent.take(new RecentPatches.Key("s", CREATED, 2, 6), 1, 1));
        assertSame(otherSpace, recent.take(new RecentPatches.Key("t", CREATED, 0, 5), 1, 1));
        older.delete();
        slower.delete();
        assertFalse(older.retain(1), "let go of by the cache, then by its reply");
        assertFalse(slower.retain(1), "never kept: its reply was its last holder");
    }

    @Test
    void theLeastRecentlyUsedGoWhenRoomIsNeededAndOneTooLargeIsNotKept() {
        PatchSpool first = shared(1, 1);
        long size = first.footprint();
        RecentPatches small = new RecentPatches(2 * size + size / 2, KEEP);
        PatchSpool second = shared(1, 1);
        PatchSpool third = shared(1, 1);
        small.keep(new RecentPatches.Key("a", CREATED, 0, 1), first, 0);
        small.keep(new RecentPatches.Key("b", CREATED, 0, 1), second, 0);
        assertSame(first, small.take(new RecentPatches.Key("a", CREATED, 0, 1), 1, 1), "used since: b is the least recent");
        small.keep(new RecentPatches.Key("c", CREATED, 0, 1), third, 2);

        assertNull(small.take(new RecentPatches.Key("b", CREATED, 0, 1), 1, 3));
        assertEquals(2, small.size());

        PatchSpool large = shared(3 * (int) size, 1);
        small.keep(new RecentPatches.Key("d", CREATED, 0, 1), large, 3);
        assertNull(small.take(new RecentPatches.Key("d", CREATED, 0, 1), 1, 4), "larger than all that may be kept");
    }

    /** A shared patch of {@code operations} puts, with {@code holders} holders. */
    private static PatchSpool shared(int operations, int holders) {
        PatchSpool patch = new PatchSpool(new ObjectMapper().writerFor(PatchOperation.class), 1 << 20);
        for (int i = 0; i < operations; i++) {
            patch.add(PatchOperation.put("k" + i, Integer.toString(i)));
        }
        return patch.share(holders);
    }
}
