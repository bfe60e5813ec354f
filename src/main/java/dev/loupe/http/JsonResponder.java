package dev.loupe.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.javalin.http.Context;

/** Writes success bodies: always {@code Content-Type: application/json}, UTF-8, non-ASCII as is unless asked. */
final class JsonResponder {

    private final ObjectMapper json;
    private final ObjectWriter ascii;

    JsonResponder(ObjectMapper json) {
        this.json = json;
        this.ascii = json.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    }

    void send(Context ctx, int status, JsonNode body) {
        write(ctx, status, body, json.writer());
    }

    /** As upstream's default serializer (oslo jsonutils) writes: every non-ASCII character escaped. */
    void sendAscii(Context ctx, int status, JsonNode body) {
        write(ctx, status, body, ascii);
    }

    private static void write(Context ctx, int status, JsonNode body, ObjectWriter writer) {
        ctx.status(status);
        ctx.contentType("application/json");
        try {
            ctx.result(writer.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
