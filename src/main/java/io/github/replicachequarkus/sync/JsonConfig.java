package io.github.replicachequarkus.sync;

import java.util.Arrays;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.quarkus.jackson.ObjectMapperCustomizer;
import io.quarkus.runtime.StartupEvent;

/**
 * Strict JSON, within the body limit: a field of the wrong type is an error, never silently converted. Jackson would otherwise
 * read
 * {@code "id": 1.5} as 1, {@code "id": "7"} as 7 and {@code "clientID": 5} as "5", and a push could apply something
 * other than what the client sent.
 */
@Singleton
public class JsonConfig implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        accept(mapper, LogicalType.Integer, CoercionInputShape.Integer);
        accept(mapper, LogicalType.Float, CoercionInputShape.Integer, CoercionInputShape.Float);
        accept(mapper, LogicalType.Boolean, CoercionInputShape.Boolean);
        accept(mapper, LogicalType.Textual, CoercionInputShape.String);
    }

    /**
     * A request body without a Content-Length stops being read at the body limit. Set at start-up, not in
     * {@link #customize}: the mapper is built during static init, which for the native image runs while the image is
     * built, so a limit read there would be the build's, whatever the machine running it is configured with. Start-up
     * comes before the HTTP server takes requests.
     */
    void limitDocuments(@Observes StartupEvent startup, ObjectMapper mapper, SyncConfig config) {
        limitDocuments(mapper, config.maxBodySize().asLongValue());
    }

    static void limitDocuments(ObjectMapper mapper, long maxBytes) {
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(maxBytes).build());
    }

    /** Lets values of the type be read only from the given JSON shapes. */
    private static void accept(ObjectMapper mapper, LogicalType type, CoercionInputShape... accepted) {
        var config = mapper.coercionConfigFor(type);
        for (CoercionInputShape shape : new CoercionInputShape[] { CoercionInputShape.String, CoercionInputShape.Integer,
                CoercionInputShape.Float, CoercionInputShape.Boolean }) {
            config.setCoercion(shape, Arrays.asList(accepted).contains(shape) ? CoercionAction.TryConvert
                    : CoercionAction.Fail);
        }
    }
}
