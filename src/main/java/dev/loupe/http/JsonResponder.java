package dev.loupe.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

/** Writes success bodies: always {@code Content-Type: application/json}, UTF-8, non-ASCII left unescaped. */
final class JsonResponder {

    private final ObjectMapper json;

    JsonResponder(ObjectMapper json) {
        this.json = json;
    }

    void send(Context ctx, int status, JsonNode body) {
        ctx.status(status);
        ctx.contentType("application/json");
        try {
            ctx.result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
