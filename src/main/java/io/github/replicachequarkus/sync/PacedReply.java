package io.github.replicachequarkus.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.quarkus.logging.Log;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Sends a spooled reply over HTTP at the pace its client reads it. Quarkus REST's output stream checks only Vert.x's
 * write queue between its writes, and a client that stopped reading still left megabytes of its reply in Netty's
 * direct buffers (about 5.7 MB per stalled whole-state pull of a 20 MB space, measured), so that a handful of such
 * clients exhausted a small machine's direct memory. Here the chunks go straight to the Vert.x response, and a chunk is
 * written only once Netty has handed an earlier one to the operating system: at most {@value #CHUNKS_IN_FLIGHT} chunks
 * of {@value #CHUNK_BYTES} bytes wait in direct memory per reply. A client that takes none of them within the deadline
 * is cut off: its connection is closed, which ends the reply and frees what it holds.
 */
final class PacedReply {

    /** Bytes read from the spool and written at once. */
    static final int CHUNK_BYTES = 64 * 1024;
    /** Chunks written and not yet taken by the operating system; two keep the socket busy while the next is read. */
    static final int CHUNKS_IN_FLIGHT = 2;

    private PacedReply() {
    }

    /**
     * Sends what the spool holds as the whole body, with its {@code Content-Length}, from a worker thread (it waits for
     * the client). The headers Quarkus REST decided on go out with the first chunk; it ends the response afterwards.
     *
     * @param deadline how long the client may take to take each chunk
     * @throws StalledReaderException when the client took nothing for the deadline (its connection is closed)
     * @throws IOException when the client went away, or the spool could not be read
     */
    static void send(Spool spool, HttpServerResponse response, Duration deadline) throws IOException {
        response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(spool.size()));
        Deque<Future<Void>> inFlight = new ArrayDeque<>(CHUNKS_IN_FLIGHT);
        try (InputStream in = spool.read()) {
            for (byte[] chunk = in.readNBytes(CHUNK_BYTES); chunk.length > 0; chunk = in.readNBytes(CHUNK_BYTES)) {
                if (inFlight.size() == CHUNKS_IN_FLIGHT) {
                    await(inFlight.removeFirst(), response, deadline);
                }
                inFlight.addLast(response.write(Buffer.buffer(chunk)));
            }
            while (!inFlight.isEmpty()) {
                await(inFlight.removeFirst(), response, deadline);
            }
        }
    }

    /** Waits until the chunk is handed to the operating system; closes the connection when it is not in time. */
    private static void await(Future<Void> written, HttpServerResponse response, Duration deadline) throws IOException {
        try {
            written.toCompletionStage().toCompletableFuture().get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            Log.debugf("Cut off a client that took none of its reply for %d ms", deadline.toMillis());
            response.close();
            throw new StalledReaderException("the client took none of its reply for " + deadline.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IOException("Failed to write the reply: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.close();
            throw new InterruptedIOException("interrupted while the reply was written");
        }
    }
}
