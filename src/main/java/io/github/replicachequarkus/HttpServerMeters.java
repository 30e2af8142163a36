package io.github.replicachequarkus;

import java.util.Set;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

/**
 * Quarkus's meters of its HTTP servers, made to fit two servers: the public port and the management interface that
 * serves {@code /q/metrics}.
 * <ul>
 * <li>Quarkus tags a server's connection meters with its configured port, but leaves the tag out when the port is 0
 * (chosen at start). With one server on a fixed port and one on port 0 (as in tests), {@code http_server_bytes_read}
 * is registered with the tag and without it; the Prometheus registry refuses a name whose tag keys differ, and the
 * refusal is thrown while the server binds, which then never finishes starting. The tag is added where it is missing,
 * with the configured value: {@code 0}.</li>
 * <li>Quarkus registers {@code vertx.http.connections.current} and {@code vertx.http.connections.max} once per
 * server, with nothing that tells the servers apart: the second registration is ignored, with a WARN at every start,
 * and the series left counts whichever server bound first. They are dropped: {@code http.server.active.connections}
 * counts each server's open connections under its port, and the limit is the configured
 * {@code quarkus.http.limits.max-connections}.</li>
 * </ul>
 */
@Singleton
public class HttpServerMeters {

    static final String TAG = "server.port";

    /** The meters Quarkus's Vert.x binder tags with the server's port (the rest never carry it). */
    static final Set<String> TAGGED = Set.of("http.server.bytes.read", "http.server.bytes.written",
            "http.server.connections", "http.server.active.connections", "http.server.errors",
            "http.server.active.requests");

    /** The meters Quarkus registers once per server under one id. */
    static final Set<String> DROPPED = Set.of("vertx.http.connections.current", "vertx.http.connections.max");

    @Produces
    @Singleton
    MeterFilter eachServerApart() {
        return filter();
    }

    static MeterFilter filter() {
        return new MeterFilter() {
            @Override
            public MeterFilterReply accept(Meter.Id id) {
                return DROPPED.contains(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
            }

            @Override
            public Meter.Id map(Meter.Id id) {
                return TAGGED.contains(id.getName()) && id.getTag(TAG) == null ? id.withTag(Tag.of(TAG, "0")) : id;
            }
        };
    }
}
