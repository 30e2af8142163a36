package io.github.replicachequarkus.sync;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The patches that hellos were last answered with, kept a few seconds for the next hellos of the same space that need
 * the same one. A room's sockets reconnecting after a deploy come in many batches ({@link ReadBatches}), and with the
 * same cookie they all need the changes after one version as of another: read once, not once per batch.
 * <p>
 * A patch is a fact that never changes: what a space held after one version (or all of it) as of another version. A
 * version is only ever reached by one committed change, and a space's id is never given to another space (a deleted
 * space's row stays), so a patch is known by its space (and when that was created), where it starts and the version it
 * was read at. A purge of tombstones changes no patch either: a pull whose cookie is older than the purge is answered
 * with the whole state, a patch of its own. Each batch still reads its own snapshot, its groups' last mutation ids from
 * it, and its plan: only the patch is taken from here, when that snapshot is at the version it was read at.
 * <p>
 * Kept: at most {@code maxBytes} of patches in all, each counted for all it may come to hold in memory or in its file
 * ({@link PatchSpool#footprint}: a patch in memory counts for the parts and frames cut from it too), each for
 * {@code keepNanos} after it was last used; a space's patches as of a version older than one kept since are dropped
 * (only the newest version is read from then on), the least recently used first when room is needed. A kept patch
 * has a holder of its own ({@link PatchSpool#retain}): dropping it lets go of that holder, and the last of the replies
 * that sent it deletes it.
 */
final class RecentPatches {

    /** What a patch is: the changes in a space (created at {@code created}) after {@code from}, as of {@code version}. */
    record Key(String spaceID, Instant created, long from, long version) {
    }

    private static final class Kept {

        final PatchSpool patch;
        final long bytes;
        long usedAt;

        Kept(PatchSpool patch, long bytes, long usedAt) {
            this.patch = patch;
            this.bytes = bytes;
            this.usedAt = usedAt;
        }
    }

    private final long maxBytes;
    private final long keepNanos;
    /** In the order of their last use, the least recent first. Guarded by the instance. */
    private final LinkedHashMap<Key, Kept> kept = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    RecentPatches(long maxBytes, long keepNanos) {
        this.maxBytes = maxBytes;
        this.keepNanos = keepNanos;
    }

    /**
     * The patch kept for the key, with {@code holders} more holders ({@link PatchSpool#retain}), each of which lets go
     * of it once sent; null when none is kept.
     */
    synchronized PatchSpool take(Key key, int holders, long now) {
        expire(now);
        Kept found = kept.get(key);
        if (found == null || !found.patch.retain(holders)) {
            return null;
        }
        found.usedAt = now;
        return found.patch;
    }

    /**
     * Keeps a shared patch, which its holders hold still ({@link PatchSpool#share}), for the next hellos that need it;
     * it takes a holder of its own. Nothing is kept when the key's patch is kept already, when a newer version of the
     * space is, or when the patch is larger than all that may be kept.
     */
    synchronized void keep(Key key, PatchSpool patch, long now) {
        expire(now);
        long size = patch.footprint();
        if (size > maxBytes || kept.containsKey(key)) {
            return;
        }
        for (Iterator<Map.Entry<Key, Kept>> it = kept.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Key, Kept> other = it.next();
            if (other.getKey().spaceID().equals(key.spaceID())) {
                if (other.getKey().version() > key.version()) {
                    return; // a slower batch's older read: hellos from now on read the newer version
                }
                if (other.getKey().version() < key.version()) {
                    drop(it, other.getValue());
                }
            }
        }
        if (!patch.retain(1)) {
            return;
        }
        kept.put(key, new Kept(patch, size, now));
        bytes += size;
        for (Iterator<Kept> it = kept.values().iterator(); bytes > maxBytes && it.hasNext();) {
            drop(it, it.next());
        }
    }

    /** How many patches are kept (for tests). */
    synchronized int size() {
        return kept.size();
    }

    /** Drops the patches unused for longer than they are kept: the least recently used come first. */
    private void expire(long now) {
        for (Iterator<Kept> it = kept.values().iterator(); it.hasNext();) {
            Kept oldest = it.next();
            if (now - oldest.usedAt < keepNanos) {
                return;
            }
            drop(it, oldest);
        }
    }

    private void drop(Iterator<?> at, Kept dropped) {
        at.remove();
        bytes -= dropped.bytes;
        dropped.patch.delete();
    }
}
