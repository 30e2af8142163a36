package io.github.replicachequarkus;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.quarkus.jackson.ObjectMapperCustomizer;
import io.quarkus.runtime.configuration.MemorySize;

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
        // A request body without a Content-Length stops being read at the body limit. The mapper is built during
        // static init, before config mappings such as SyncConfig exist, so the one value is read directly.
        long maxBodySize = ConfigProvider.getConfig().getOptionalValue("replicache.sync.max-body-size", MemorySize.class)
                .map(MemorySize::asLongValue).orElse(4L << 20);
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(maxBodySize).build());
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        accept(mapper, LogicalType.Integer, CoercionInputShape.Integer);
        accept(mapper, LogicalType.Float, CoercionInputShape.Integer, CoercionInputShape.Float);
        accept(mapper, LogicalType.Boolean, CoercionInputShape.Boolean);
        accept(mapper, LogicalType.Textual, CoercionInputShape.String);
    }

    /** Lets values of the type be read only from the given JSON shapes. */
    private static void accept(ObjectMapper mapper, LogicalType type, CoercionInputShape... accepted) {
        var config = mapper.coercionConfigFor(type);
        for (CoercionInputShape shape : new CoercionInputShape[] { CoercionInputShape.String, CoercionInputShape.Integer,
                CoercionInputShape.Float, CoercionInputShape.Boolean }) {
            config.setCoercion(shape, java.util.Arrays.asList(accepted).contains(shape) ? CoercionAction.TryConvert
                    : CoercionAction.Fail);
        }
    }
}
