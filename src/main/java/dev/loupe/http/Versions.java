package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Version discovery. Loupe lists only the API versions whose calls it serves (up to v2.12, which adds
 * {@code GET /v2/images/{id}/tasks}), so clients never negotiate into features that are absent.
 */
final class Versions {

    static final int CURRENT_MINOR = 12;
    /** Path prefixes served as {@code /v2}. */
    static final Set<String> PREFIXES = prefixes();

    private final ObjectMapper json;
    private final BaseUrl baseUrl;

    Versions(ObjectMapper json, BaseUrl baseUrl) {
        this.json = json;
        this.baseUrl = baseUrl;
    }

    private static Set<String> prefixes() {
        List<String> names = new ArrayList<>();
        names.add("v2");
        for (int minor = 0; minor <= CURRENT_MINOR; minor++) {
            names.add("v2." + minor);
        }
        return names.stream().collect(Collectors.toUnmodifiableSet());
    }

    ObjectNode document(Context ctx) {
        String base = baseUrl.of(ctx);
        ObjectNode doc = json.createObjectNode();
        ArrayNode versions = doc.putArray("versions");
        for (int minor = CURRENT_MINOR; minor >= 0; minor--) {
            ObjectNode v = versions.addObject();
            v.put("id", "v2." + minor);
            v.put("status", minor == CURRENT_MINOR ? "CURRENT" : "SUPPORTED");
            v.putArray("links").addObject().put("rel", "self").put("href", base + "/v2/");
        }
        return doc;
    }
}
