package io.github.replicachequarkus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A free port chosen once per JVM under a name: a test profile's config is read where Quarkus starts, and a receiver is
 * started where the test runs; a system property is what both see.
 */
public final class SharedPort {

    private SharedPort() {
    }

    /** The port kept in the system property {@code property}, choosing a free one the first time. */
    public static int of(String property) {
        synchronized (System.getProperties()) {
            String port = System.getProperty(property);
            if (port == null) {
                try (ServerSocket socket = new ServerSocket(0)) {
                    port = Integer.toString(socket.getLocalPort());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                System.setProperty(property, port);
            }
            return Integer.parseInt(port);
        }
    }
}
