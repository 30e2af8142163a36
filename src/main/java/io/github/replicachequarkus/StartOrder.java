package io.github.replicachequarkus;

import jakarta.enterprise.inject.spi.ObserverMethod;

/**
 * The order of the start: every check that may refuse it runs before anything that starts work (a thread, a
 * connection, a timer). A refused start then ends with its reason alone, with nothing begun that must be wound down
 * while the application is torn down around it.
 */
public final class StartOrder {

    /**
     * The priority of the start-up observers (and {@code @Startup} beans) that check the configuration and may refuse
     * to start. Work starts at the default priority, after all of them.
     */
    public static final int CHECKS = ObserverMethod.DEFAULT_PRIORITY - 1000;

    private StartOrder() {
    }
}
