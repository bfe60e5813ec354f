package dev.loupe.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.failure.LoupeException.InvalidInput;
import io.javalin.http.Context;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;

/** Reads a JSON request body as upstream does (whatever the Content-Type says), within Loupe's size limit. */
final class RequestBody {

    private final ObjectMapper json;
    private final long maxBytes;

    RequestBody(ObjectMapper json, long maxBytes) {
        this.json = json;
        this.maxBytes = maxBytes;
    }

    /** The body as an object or array; 400/413/415 with the matching message otherwise. */
    JsonNode read(Context ctx) {
        if (!hasBody(ctx)) {
            throw new InvalidInput("Body expected in request.");
        }
        return parse(ctx);
    }

    /** As {@link #read}, for a request whose body may be left out: null when it is. */
    JsonNode readIfAny(Context ctx) {
        return hasBody(ctx) ? parse(ctx) : null;
    }

    private static boolean hasBody(Context ctx) {
        return ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
    }

    private JsonNode parse(Context ctx) {
        long length = ctx.req().getContentLengthLong();
        if (length > maxBytes) {
            throw HttpFailure.tooLarge(maxBytes);
        }
        String contentType = ctx.header("Content-Type");
        if (contentType != null && !isJson(contentType)) {
            throw HttpFailure.unsupportedMediaType(contentType);
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE));
            failIfFramingBroke(ctx);
        } catch (IOException e) {
            throw unreadable(ctx, e);
        }
        if (bytes.length > maxBytes) {
            throw HttpFailure.tooLarge(maxBytes);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            // Upstream decodes inside its JSON parsing, whose ValueError handler catches the UnicodeDecodeError.
            throw new InvalidInput("Malformed JSON in request body.");
        }
        JsonNode body;
        try {
            body = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidInput("Malformed JSON in request body.");
        }
        if (body == null || body.isMissingNode()) {
            throw new InvalidInput("Malformed JSON in request body.");
        }
        if (!body.isObject() && !body.isArray()) {
            throw new InvalidInput("Unexpected body type. Expected list/dict.");
        }
        return body;
    }

    /**
     * Jetty's servlet layer can report a clean end for a chunked body whose connection closed just after a chunk's
     * CR, while the connection itself recorded the early end: ask the connection's own request once more.
     */
    private static void failIfFramingBroke(Context ctx) throws IOException {
        Content.Chunk after =
                ServletContextRequest.getServletContextRequest(ctx.req()).read();
        if (after == null) {
            return;
        }
        after.release();
        if (Content.Chunk.isFailure(after)) {
            throw new EOFException(after.getFailure().getMessage());
        }
    }

    /**
     * A body that cannot be read is the client's doing: it closed the connection before the body's end, or framed
     * the body wrongly. Jetty reports a bad chunk size as an early end of the stream, so the two read alike.
     */
    private static HttpFailure unreadable(Context ctx, IOException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpException framing
                    && !(cause instanceof EOFException)
                    && framing.getReason() != null) {
                return HttpFailure.badRequest("Malformed request body: " + framing.getReason() + ".");
            }
        }
        if (ctx.header("Transfer-Encoding") != null) {
            return HttpFailure.badRequest("Chunked request body ended early or is malformed: the connection closed"
                    + " before the last chunk, or a chunk size is not hexadecimal.");
        }
        return HttpFailure.badRequest("Request body ended early: the connection closed before the bytes its"
                + " Content-Length announced had arrived.");
    }

    /** JSON media types: application/json, the +json suffix, and OpenStack's json-patch variants. */
    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json")
                || type.endsWith("+json")
                || type.startsWith("application/") && type.contains("json");
    }
}
