package io.github.replicachequarkus.protocol;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A cookie this server hands out: where the client stands in the client's order of cookies, and the version of the
 * space whose state it was sent. The two are one number, the version, except after a client came with a cookie ahead
 * of the space (a snapshot of a newer database, or a database restored from a backup): such a client must get a cookie
 * greater than its own, so its order runs ahead of the state it holds. Then the cookie is the object
 * {@code {"order": o, "version": v}}: the Replicache client orders it by {@code order}, and its next pull gets the
 * changes after {@code v}, not after {@code o}, so it misses none of the changes between the two once the space's
 * version passes {@code o}.
 *
 * @param order what the client compares: never below {@code version}
 * @param version the space version whose state the client holds
 */
public record Cookie(long order, long version) {

    public Cookie {
        if (version < 0 || order < version) {
            throw new IllegalArgumentException("a cookie's order " + order + " is below its version " + version);
        }
    }

    /** The cookie of a client that holds the state of this version. */
    public static Cookie of(long version) {
        return new Cookie(version, version);
    }

    /** Whether its order runs ahead of the state it stands for (it is sent as an object). */
    public boolean ahead() {
        return order != version;
    }

    /**
     * The cookie after the client is brought to {@code newVersion}: the new version, or, while that is not above this
     * cookie's order, one above the order, so that the client sees it as greater. A change that moves the version by
     * more than one narrows the gap, and once the version passes the order the cookie is a plain number again.
     */
    public Cookie next(long newVersion) {
        return newVersion == version ? this : new Cookie(Math.max(newVersion, order + 1), newVersion);
    }

    /** As the client gets it: a number, or {@code {"order": o, "version": v}} while the order runs ahead. */
    public JsonNode json() {
        if (!ahead()) {
            return LongNode.valueOf(version);
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("order", order);
        node.put("version", version);
        return node;
    }

    /** Writes it as {@link #json()} does, as the next value of the generator. */
    public void write(JsonGenerator out) throws IOException {
        if (!ahead()) {
            out.writeNumber(version);
            return;
        }
        out.writeStartObject();
        out.writeNumberField("order", order);
        out.writeNumberField("version", version);
        out.writeEndObject();
    }

    @Override
    public String toString() {
        return json().toString();
    }
}
