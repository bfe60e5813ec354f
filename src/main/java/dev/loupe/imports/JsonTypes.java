package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON type names as users write them, for messages about input of the wrong type. */
final class JsonTypes {

    private JsonTypes() {}

    static String name(JsonNode value) {
        return switch (value.getNodeType()) {
            case OBJECT, POJO -> "an object";
            case ARRAY -> "a list";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
            case BINARY -> "binary data";
        };
    }
}
