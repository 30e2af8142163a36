package io.github.replicachequarkus.sync;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.logging.Log;

/**
 * A response written in full before it is sent: in memory up to a threshold, then in a temporary file. A pull reads
 * its snapshot into a spool and ends its transaction before the client reads a byte, so a slow client never holds a
 * database connection, and a large reply never sits in the heap. Closing it only ends the writing (a JSON generator
 * closes its target); {@link #delete()} removes the file once the reply was sent.
 */
public final class Spool extends OutputStream implements AutoCloseable {

    /** Spools made and not deleted yet, in this process: pull replies waiting to be sent, or being sent. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final int inMemory;
    private final AtomicBoolean deleted = new AtomicBoolean();
    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private Path file;
    private OutputStream spilled;

    Spool(int inMemory) {
        LIVE.incrementAndGet();
        this.inMemory = inMemory;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (spilled == null && memory.size() + length > inMemory) {
            file = Files.createTempFile("replicache-pull-", ".json");
            spilled = Files.newOutputStream(file);
            memory.writeTo(spilled);
            memory = null;
        }
        if (spilled != null) {
            spilled.write(bytes, offset, length);
        } else {
            memory.write(bytes, offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        if (spilled != null) {
            spilled.flush();
        }
    }

    /** Whether it outgrew memory and went to a file. */
    boolean spilled() {
        return file != null;
    }

    /** How many bytes were written. */
    long size() throws IOException {
        if (spilled != null) {
            spilled.close();
            return Files.size(file);
        }
        return memory.size();
    }

    /** Reads back what was written (after the writing ended). */
    InputStream read() throws IOException {
        if (spilled != null) {
            spilled.close();
            return new BufferedInputStream(Files.newInputStream(file));
        }
        return new ByteArrayInputStream(memory.toByteArray());
    }

    /** Ends the writing; what was written stays until {@link #delete()}. */
    @Override
    public void close() throws IOException {
        if (spilled != null) {
            spilled.close();
        }
    }

    /** How many spools this process holds: made and not deleted yet. */
    static int live() {
        return LIVE.get();
    }

    /** Deletes the file, if any; once (later calls do nothing). */
    void delete() {
        if (!deleted.compareAndSet(false, true)) {
            return;
        }
        LIVE.decrementAndGet();
        try {
            close();
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            Log.warnf("Could not delete %s: %s", file, e.getMessage());
        }
    }
}
