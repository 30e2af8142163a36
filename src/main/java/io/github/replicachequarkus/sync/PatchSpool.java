package io.github.replicachequarkus.sync;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.github.replicachequarkus.protocol.PatchOperation;

/**
 * A patch held outside the heap until it is sent: its operations, each as JSON text, in a {@link Spool} (memory up to a
 * threshold, then a temporary file). A room sends a large patch in parts of bounded size, each written before the next
 * is read, so a hello on a large space costs the server one part of memory, not the whole state.
 */
public final class PatchSpool {

    private final Spool spool;
    private final DataOutputStream out;
    private final ObjectWriter writer;
    private int operations;

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
        out.flush();
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

    /** Deletes what is held. */
    public void delete() {
        spool.delete();
    }
}
