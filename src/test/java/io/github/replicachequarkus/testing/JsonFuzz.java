package io.github.replicachequarkus.testing;

import static io.github.replicachequarkus.testing.RandomCases.oneOf;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Malformed variants of valid JSON requests, for fuzzing: a node anywhere replaced by a hostile value (wrong type,
 * huge or negative number, odd text, deep nesting), a field dropped or added, a key duplicated, the text truncated or
 * spliced with stray characters, or the whole body replaced by something that is not a request at all.
 */
public final class JsonFuzz {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Writes every non-ASCII character as a \\u escape, so that lone surrogates reach the server as they are. */
    private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** Texts that ids, names and keys should survive: controls, NUL, lone surrogates, BOM, RTL, emoji, long ones. */
    public static final List<String> HOSTILE_TEXTS = List.of("", " ", "\u0000", "a\u0000b", "\ud800", "x\udfff",
            "\ufeffbom", "\u202eevil", "😀", "日本語", "\n\r\t", "\u0007\u001b[2J", "../../etc/passwd", "%00%ZZ",
            "' OR 1=1 --", "\"quoted\"", "\\", "null", "1", "x".repeat(257), "y".repeat(70_000));

    private JsonFuzz() {
    }

    /** A JSON value of the wrong kind, size or shape, as text (some of them not valid JSON at all). */
    public static String hostileValue(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> oneOf(random, "null", "true", "false", "{}", "[]", "[null]", "{\"\":null}");
            case 1 -> oneOf(random, "0", "-1", "-0", "1.5", "-2.5e3", "1e400", "-1e400", "4.9e-324", "1E2");
            case 2 -> oneOf(random, "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                    "2147483648", "9007199254740993", "123456789012345678901234567890", "0.000000000000000000001");
            case 3 -> oneOf(random, "NaN", "Infinity", "-Infinity", "undefined", "0x10", "01", "+1", ".5", "1.");
            case 4 -> json(oneOf(random, HOSTILE_TEXTS));
            case 5 -> "[".repeat(random.nextInt(5000)) + "]".repeat(random.nextInt(5000));
            case 6 -> "{\"a\":".repeat(1 + random.nextInt(2000)) + "1" + "}".repeat(random.nextInt(2000));
            case 7 -> "[" + "1,".repeat(random.nextInt(100_000)) + "1]";
            case 8 -> oneOf(random, "'single'", "\"unterminated", "\"bad escape \\x\"", "\"\\ud800\"", "\"\\u0000\"",
                    "\"\\uZZZZ\"");
            case 9 -> "{\"messageType\":\"hello\",\"pushVersion\":1}";
            case 10 -> json(randomText(random));
            default -> Long.toString(random.nextLong());
        };
    }

    /** A variant of the valid request that is wrong in one way (or, now and then, still valid). */
    public static String mutate(Random random, JsonNode valid) {
        JsonNode tree = valid.deepCopy();
        List<JsonNode> containers = containers(tree);
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> replaceSomewhere(random, tree, containers, hostileValue(random));
            case 3 -> {
                ContainerNode<?> container = (ContainerNode<?>) oneOf(random, containers);
                if (container instanceof ObjectNode object && !object.isEmpty()) {
                    object.remove(oneOf(random, fieldNames(object)));
                } else if (container instanceof ArrayNode array && !array.isEmpty()) {
                    array.remove(random.nextInt(array.size()));
                }
                yield text(tree);
            }
            case 4 -> {
                String text = text(tree);
                int cut = random.nextInt(Math.max(1, text.length()));
                yield text.substring(0, cut);
            }
            case 5 -> {
                // A duplicated key: the first object's first field, written twice.
                String text = text(tree);
                int brace = text.indexOf('{');
                int end = text.indexOf(',', brace);
                yield brace < 0 || end < 0 ? text
                        : text.substring(0, end + 1) + text.substring(brace + 1, end + 1)
                                + text.substring(end + 1);
            }
            case 6 -> {
                String text = text(tree);
                int at = random.nextInt(text.length() + 1);
                yield text.substring(0, at) + oneOf(random, "\u0000", "\"", "}", "]", ",", ":", "\\", "\ud800", " x ",
                        "\u00ff\u00fe") + text.substring(at);
            }
            case 7 -> oneOf(random, "", " ", "\ufeff" + text(tree), "[" + text(tree) + "]", text(tree) + text(tree),
                    text(tree) + " trailing",
                    "\"" + text(tree).replace("\"", "\\\"") + "\"", "null", "42");
            case 8 -> {
                ObjectNode object = (ObjectNode) oneOf(random,
                        containers.stream().filter(JsonNode::isObject).toList());
                object.set(oneOf(random, "unknown", "__proto__", "constructor", "", "\u0000", "mutations", "cookie"),
                        read(random, hostileValue(random)));
                yield text(tree);
            }
            default -> replaceSomewhere(random, tree, containers, json(randomText(random)));
        };
    }

    /** Random text from all of Unicode's 16-bit range, lone surrogates and controls included. */
    public static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            text.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000)));
        }
        return text.toString();
    }

    /** The JSON's text, its non-ASCII characters escaped. */
    public static String text(JsonNode json) {
        try {
            return ESCAPING.writeValueAsString(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text as a JSON string, its non-ASCII characters escaped. */
    public static String json(String text) {
        try {
            return ESCAPING.writeValueAsString(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces a random field or element with the raw text (which may not be JSON), by splicing the serialized tree. */
    private static String replaceSomewhere(Random random, JsonNode tree, List<JsonNode> containers, String raw) {
        String marker = "\"__fuzz_" + Long.toHexString(random.nextLong()) + "__\"";
        ContainerNode<?> container = (ContainerNode<?>) oneOf(random, containers);
        if (container instanceof ObjectNode object) {
            List<String> names = fieldNames(object);
            String name = names.isEmpty() || random.nextInt(8) == 0 ? "extra" : oneOf(random, names);
            object.set(name, JSON.getNodeFactory().textNode("MARKER"));
        } else {
            ArrayNode array = (ArrayNode) container;
            if (array.isEmpty() || random.nextBoolean()) {
                array.add("MARKER");
            } else {
                array.set(random.nextInt(array.size()), JSON.getNodeFactory().textNode("MARKER"));
            }
        }
        return text(tree).replace("\"MARKER\"", marker).replace(marker, raw);
    }

    private static List<JsonNode> containers(JsonNode tree) {
        List<JsonNode> containers = new ArrayList<>();
        List<JsonNode> pending = new ArrayList<>(List.of(tree));
        while (!pending.isEmpty()) {
            JsonNode node = pending.remove(pending.size() - 1);
            if (node.isContainerNode()) {
                containers.add(node);
                node.forEach(pending::add);
            }
        }
        return containers;
    }

    private static List<String> fieldNames(ObjectNode object) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        return names;
    }

    private static JsonNode read(Random random, String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(text.length() > 100 ? text.substring(0, 100) : text);
        }
    }
}
