package dev.loupe.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Writes success bodies: always {@code Content-Type: application/json}, UTF-8, non-ASCII as is unless asked. */
final class JsonResponder {

    /** A body written token by token, for answers whose shape is known: no tree is built to be walked again. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator out) throws IOException;
    }

    private final ObjectMapper json;
    private final ObjectWriter ascii;

    JsonResponder(ObjectMapper json) {
        this.json = json;
        this.ascii = json.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    }

    void send(Context ctx, int status, JsonNode body) {
        write(ctx, status, body, json.writer());
    }

    void send(Context ctx, int status, Body body) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(1024);
        try (JsonGenerator out = json.getFactory().createGenerator(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        answer(ctx, status, bytes.toByteArray());
    }

    /** As upstream's default serializer (oslo jsonutils) writes: every non-ASCII character escaped. */
    void sendAscii(Context ctx, int status, JsonNode body) {
        write(ctx, status, body, ascii);
    }

    private static void write(Context ctx, int status, JsonNode body, ObjectWriter writer) {
        try {
            answer(ctx, status, writer.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /**
     * The body in one write to the answer's stream (Javalin's, which compresses when the client asks), not through
     * {@code ctx.result}: Javalin copies a result through a new buffer of the response buffer's size (32 KiB) per
     * request, a quarter of all the bytes a show or a list allocated. The answer is the handler's last act.
     */
    private static void answer(Context ctx, int status, byte[] body) {
        ctx.status(status);
        ctx.contentType("application/json");
        try {
            ctx.outputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException("the client went away", e);
        }
    }
}
