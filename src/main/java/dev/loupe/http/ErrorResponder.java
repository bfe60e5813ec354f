package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.failure.LoupeException;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.failure.LoupeException.Conflict;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.failure.LoupeException.RangeNotSatisfiable;
import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.failure.LoupeException.Unavailable;
import dev.loupe.failure.LoupeException.Unprocessable;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: the status for each kind of failure, and the body as JSON
 * {@code {"message","code","title"}} for clients that prefer JSON, plain text for everyone else.
 */
final class ErrorResponder {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);
    private static final String INTERNAL =
            "The server has either erred or is incapable of performing the requested" + " operation.";

    private static final String ANSWERED = "loupe.error-answered";
    private static final long MAX_DRAINED_BYTES = 1 << 20;

    private final ObjectMapper json;

    ErrorResponder(ObjectMapper json) {
        this.json = json;
    }

    void respond(Exception failure, Context ctx) {
        int status;
        String message = failure.getMessage();
        switch (failure) {
            case HttpFailure f -> {
                status = f.status();
                if (f.allow() != null) {
                    ctx.header("Allow", f.allow());
                }
            }
            case LoupeException f -> status = status(f, ctx);
            default -> {
                LOG.error("Unexpected failure answering {} {}", ctx.method(), ctx.path(), failure);
                status = 500;
                message = INTERNAL;
            }
        }
        drainRequestBody(ctx);
        write(ctx, status, message);
    }

    /** The status of each kind of failure: no default, so a new kind does not compile until it has one here. */
    private static int status(LoupeException failure, Context ctx) {
        return switch (failure) {
            case InvalidInput ignored -> 400;
            case Unauthenticated f -> {
                if (f.challenge() != null) {
                    ctx.header("WWW-Authenticate", f.challenge());
                }
                yield 401;
            }
            case Forbidden ignored -> 403;
            case NotFound ignored -> 404;
            case Conflict ignored -> 409;
            case Unprocessable ignored -> 422;
            case RangeNotSatisfiable ignored -> 416;
            case Unavailable f -> {
                LOG.warn("Refused {} {}: {}", ctx.method(), ctx.path(), f.getMessage(), f.getCause());
                yield 503;
            }
            case BadConfiguration f -> {
                // Raised at start only; one met while answering is a bug, and says nothing to the caller.
                LOG.error("Configuration failure answering {} {}", ctx.method(), ctx.path(), f);
                yield 500;
            }
        };
    }

    /**
     * A refusal often comes before the body was read (403 before body checks, 413). Closing on a client that is
     * still sending makes it lose the answer to a reset, so a body of reasonable size is read and dropped first.
     */
    private static void drainRequestBody(Context ctx) {
        try (InputStream body = ctx.req().getInputStream()) {
            body.skipNBytes(Math.min(Math.max(ctx.req().getContentLengthLong(), 0), MAX_DRAINED_BYTES));
        } catch (IOException | IllegalStateException e) {
            // The client went away or sent less than it announced: nothing left to be polite to.
        }
    }

    /** Whether this request's failure was already answered here (Javalin's 404 hook also sees those). */
    boolean answered(Context ctx) {
        return ctx.attribute(ANSWERED) != null;
    }

    void write(Context ctx, int status, String message) {
        ctx.attribute(ANSWERED, Boolean.TRUE);
        String reason = HttpStatus.forStatus(status).getMessage();
        ctx.status(status);
        if (ctx.method() == HandlerType.HEAD) {
            ctx.result(new byte[0]);
            return;
        }
        if (Negotiation.prefersJson(ctx.header("Accept"))) {
            ObjectNode body = json.createObjectNode()
                    .put("message", message)
                    .put("code", status + " " + reason)
                    .put("title", reason);
            ctx.contentType("application/json");
            ctx.result(body.toString().getBytes(StandardCharsets.UTF_8));
        } else {
            ctx.contentType("text/plain; charset=UTF-8");
            ctx.result((status + " " + reason + "\n\n" + message + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
