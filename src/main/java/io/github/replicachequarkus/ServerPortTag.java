package io.github.replicachequarkus;

import java.util.Set;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Gives every HTTP server's connection meters a {@code server.port} tag. Quarkus tags them with the configured port,
 * but leaves the tag out when the port is 0 (chosen at start). With two servers (the public port and the management
 * interface that serves {@code /q/metrics}), one on a fixed port and one on port 0 (as in tests) registers
 * {@code http_server_bytes_read} with the tag and the other without it; the Prometheus registry refuses a name whose
 * tag keys differ, and the refusal is thrown while the server binds, which then never finishes starting. Here the tag
 * is added where it is missing, with the configured value: {@code 0}.
 */
@Singleton
public class ServerPortTag {

    static final String TAG = "server.port";

    /** The meters Quarkus's Vert.x binder tags with the server's port (the rest never carry it). */
    static final Set<String> TAGGED = Set.of("http.server.bytes.read", "http.server.bytes.written",
            "http.server.connections", "http.server.active.connections", "http.server.errors",
            "http.server.active.requests");

    @Produces
    @Singleton
    MeterFilter serverPortOnEveryServer() {
        return filter();
    }

    static MeterFilter filter() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return TAGGED.contains(id.getName()) && id.getTag(TAG) == null ? id.withTag(Tag.of(TAG, "0")) : id;
            }
        };
    }
}
