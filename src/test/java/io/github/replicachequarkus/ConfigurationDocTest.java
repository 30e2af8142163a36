package io.github.replicachequarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.MainClasses;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

/**
 * Every configuration key the application reads through a {@code @ConfigMapping} is documented in
 * {@code docs/configuration.md}: a key added to a mapping without a row there fails the build, and the message names it.
 */
class ConfigurationDocTest {

    private static final Path REFERENCE = Path.of("docs/configuration.md");

    @Test
    void everyMappedKeyIsInTheConfigurationReference() throws IOException {
        List<Class<?>> mappings = MainClasses.all().stream().filter(type -> type.isAnnotationPresent(ConfigMapping.class))
                .toList();
        assertTrue(mappings.size() >= 6, "found only these @ConfigMapping interfaces: " + mappings);

        List<String> keys = new ArrayList<>();
        for (Class<?> mapping : mappings) {
            collect(mapping, mapping.getAnnotation(ConfigMapping.class).prefix(), keys);
        }
        assertTrue(keys.contains("replicache.sync.group-commit.max-batch-time"), "nested groups not found: " + keys);
        assertTrue(keys.contains("replicache.webhooks.<name>.url"), "groups by name not found: " + keys);

        String reference = Files.readString(REFERENCE);
        TreeSet<String> missing = new TreeSet<>();
        for (String key : keys) {
            // In backquotes, so that a key that begins another (max-full-pulls, max-full-pulls-per-user) counts only
            // where it is named itself.
            if (!reference.contains("`" + key + "`")) {
                missing.add(key);
            }
        }
        assertEquals(new TreeSet<String>(), missing,
                "configuration keys not named (in backquotes) in " + REFERENCE + ": " + String.join(", ", missing));
    }

    @Test
    void methodNamesBecomeKebabCase() {
        assertEquals("max-batch-time", kebab("maxBatchTime"));
        assertEquals("max-pushes-per-user-per-second", kebab("maxPushesPerUserPerSecond"));
        assertEquals("enabled", kebab("enabled"));
    }

    /** The keys of one mapping or group: each abstract method is a leaf, or a group when it returns a mapping interface. */
    private static void collect(Class<?> type, String prefix, List<String> keys) {
        for (Method method : type.getMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            String key = method.isAnnotationPresent(WithParentName.class) ? prefix
                    : prefix + "." + Optional.ofNullable(method.getAnnotation(WithName.class)).map(WithName::value)
                            .orElse(kebab(method.getName()));
            Optional<Class<?>> group = group(method.getGenericReturnType());
            Optional<Class<?>> named = namedGroups(method.getGenericReturnType());
            if (group.isPresent()) {
                collect(group.get(), key, keys);
            } else if (named.isPresent()) {
                collect(named.get(), key + ".<name>", keys); // documented as prefix.<name>.key
            } else {
                keys.add(key);
            }
        }
    }

    /** The group a method returns, itself or in an {@code Optional}: an interface of this application's own. */
    private static Optional<Class<?>> group(Type returned) {
        Type type = returned;
        if (type instanceof ParameterizedType parameterized && parameterized.getRawType() == Optional.class) {
            type = parameterized.getActualTypeArguments()[0];
        }
        return type instanceof Class<?> candidate && candidate.isInterface()
                && candidate.getName().startsWith(ConfigurationDocTest.class.getPackageName() + ".")
                        ? Optional.of(candidate)
                        : Optional.empty();
    }

    /** The group of each value of a map keyed by name ({@code Map<String, Group>}), as webhook endpoints are. */
    private static Optional<Class<?>> namedGroups(Type returned) {
        if (returned instanceof ParameterizedType parameterized && parameterized.getRawType() == Map.class) {
            return group(parameterized.getActualTypeArguments()[1]);
        }
        return Optional.empty();
    }

    /** SmallRye Config's default naming: {@code maxBatchTime} is {@code max-batch-time}. */
    static String kebab(String name) {
        StringBuilder key = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                key.append('-').append(Character.toLowerCase(c));
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

}
