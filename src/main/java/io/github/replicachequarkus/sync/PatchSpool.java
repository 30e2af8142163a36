package io.github.replicachequarkus.sync;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.github.replicachequarkus.protocol.PatchOperation;

/**
 * A patch held outside the heap until it is sent: its operations, each as JSON text, in a {@link Spool} (memory up to a
 * threshold, then a temporary file). A room sends a large patch in parts of bounded size, each written before the next
 * is read, so a hello on a large space costs the server one part of memory, not the whole state.
 * <p>
 * One patch may answer several sockets' hellos ({@link #share}, {@link #retain}): it is then read by each, at once, and
 * deleted when the last is done with it. A shared patch that stayed in memory is cut into parts once, and every holder
 * sends those; holders whose frames around the parts are alike share those frames too, encoded once.
 */
public final class PatchSpool {

    /** How many framings of a shared patch ({@link #sharedFrames}) are kept: each holds about the patch's size. */
    static final int MAX_FRAMINGS = 4;

    private final Spool spool;
    private final DataOutputStream out;
    private final ObjectWriter writer;
    private int operations;
    /** Who still holds it: {@link #delete()} by the last deletes it. */
    private final AtomicInteger holders = new AtomicInteger(1);
    /** Written in full and shared: read by several threads, never written again. */
    private volatile boolean shared;
    /** A shared in-memory patch's parts, cut by the first holder that sends them, and their size. */
    private List<String> parts;
    private int partsMaxBytes;
    /** Its parts as its holders' frames, by the key of their frame ({@link #sharedFrames}); guarded by this object. */
    private final Map<String, List<?>> frames = new LinkedHashMap<>(4, 0.75f, true);

    PatchSpool(ObjectWriter writer, int inMemory) {
        this.writer = writer;
        this.spool = new Spool(inMemory);
        this.out = new DataOutputStream(spool);
    }

    void add(PatchOperation operation) {
        try {
            byte[] json = writer.writeValueAsBytes(operation);
            out.writeInt(json.length);
            out.write(json);
            operations++;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a patch operation did not write as JSON", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many operations the patch has. */
    public int operations() {
        return operations;
    }

    /** Receives the patch's parts in order: each a JSON array's elements (without brackets), and whether more follow. */
    @FunctionalInterface
    public interface Parts {
        void part(String elements, boolean more) throws IOException;
    }

    /**
     * Hands over the operations in parts of about {@code maxBytes} of JSON each (an operation larger than that is a part
     * of its own); an empty patch is one empty part.
     */
    public void inParts(int maxBytes, Parts parts) throws IOException {
        if (shared && !spool.spilled()) {
            List<String> cut = cut(maxBytes);
            for (int i = 0; i < cut.size(); i++) {
                parts.part(cut.get(i), i < cut.size() - 1);
            }
            return;
        }
        if (!shared) {
            out.flush();
        }
        read(maxBytes, parts);
    }

    /** Builds a holder's frame around one part of the patch. */
    @FunctionalInterface
    public interface Framer<T> {
        T frame(String elements, boolean more);
    }

    /**
     * The parts of a shared patch held in memory as frames, built once per {@code key} and shared by every holder that
     * asks with that key (the {@value #MAX_FRAMINGS} most recently asked for are kept); empty when the patch is not
     * shared or was spilled to its file: then each holder reads it ({@link #inParts}). One key must always be asked
     * for with the same framer and size: the key says what a frame holds besides the part.
     */
    public <T> Optional<List<T>> sharedFrames(String key, int maxBytes, Framer<T> framer) throws IOException {
        if (!shared || spool.spilled()) {
            return Optional.empty();
        }
        List<String> cut = cut(maxBytes);
        synchronized (this) {
            @SuppressWarnings("unchecked") // one key, one framer: see above
            List<T> framed = (List<T>) frames.get(key);
            if (framed == null) {
                List<T> built = new ArrayList<>(cut.size());
                for (int i = 0; i < cut.size(); i++) {
                    built.add(framer.frame(cut.get(i), i < cut.size() - 1));
                }
                framed = List.copyOf(built);
                if (frames.size() >= MAX_FRAMINGS) {
                    frames.remove(frames.keySet().iterator().next()); // the least recently asked for
                }
                frames.put(key, framed);
            }
            return Optional.of(framed);
        }
    }

    /** The parts of a shared in-memory patch, cut once (again only for another size). */
    private synchronized List<String> cut(int maxBytes) throws IOException {
        if (this.parts == null || partsMaxBytes != maxBytes) {
            List<String> cut = new ArrayList<>();
            read(maxBytes, (elements, more) -> cut.add(elements));
            this.parts = List.copyOf(cut);
            this.partsMaxBytes = maxBytes;
        }
        return this.parts;
    }

    private void read(int maxBytes, Parts parts) throws IOException {
        try (InputStream in = spool.read(); DataInputStream data = new DataInputStream(in)) {
            StringBuilder part = new StringBuilder();
            int count = 0;
            for (int i = 0; i < operations; i++) {
                int length;
                try {
                    length = data.readInt();
                } catch (EOFException e) {
                    throw new IllegalStateException("the patch spool ended after " + i + " of " + operations, e);
                }
                String json = new String(data.readNBytes(length), StandardCharsets.UTF_8);
                if (count > 0 && part.length() + json.length() + 1 > maxBytes) {
                    parts.part(part.toString(), true);
                    part.setLength(0);
                    count = 0;
                }
                if (count > 0) {
                    part.append(',');
                }
                part.append(json);
                count++;
            }
            parts.part(part.toString(), false);
        }
    }

    /**
     * Makes it the answer of {@code holders} readers in all, each of which sends it ({@link #inParts}) and then
     * {@link #delete}s it; call once, after the last operation was added and before any reader has it.
     */
    PatchSpool share(int holders) {
        if (holders < 1) {
            throw new IllegalArgumentException("a patch needs a holder");
        }
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.holders.set(holders);
        this.shared = true;
        return this;
    }

    /**
     * Adds {@code more} holders to a shared patch, unless its last holder let go of it already (then it returns false,
     * and the patch is gone).
     */
    boolean retain(int more) {
        if (!shared) {
            throw new IllegalStateException("only a shared patch takes more holders");
        }
        int now;
        do {
            now = holders.get();
            if (now <= 0) {
                return false;
            }
        } while (!holders.compareAndSet(now, now + more));
        return true;
    }

    /** The bytes it holds, in memory or in its file. */
    long size() {
        try {
            return spool.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What it may come to hold while it is kept, in memory or in its file: its bytes; and, held in memory and shared, its
     * parts once cut (about its size again) and up to {@value #MAX_FRAMINGS} framings of them (each about its size: a
     * frame holds its encoded bytes, or its text until it is first sent). What a cache of patches counts against its
     * budget.
     */
    long footprint() {
        long size = size();
        return spool.spilled() ? size : size * (2 + MAX_FRAMINGS);
    }

    /** Lets go of it: the last holder deletes what is held. */
    public void delete() {
        if (holders.decrementAndGet() <= 0) {
            spool.delete();
        }
    }
}
