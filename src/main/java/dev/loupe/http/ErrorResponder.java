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
import dev.loupe.failure.LoupeException.TooLarge;
import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.failure.LoupeException.Unavailable;
import dev.loupe.failure.LoupeException.Unprocessable;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: the status for each kind of failure, and the body as JSON
 * {@code {"message","code","title"}} for clients that prefer JSON, plain text for everyone else. Requests Jetty
 * refuses before Javalin sees them (a broken request line, oversized headers, a bad Content-Length) are answered
 * here too, through {@link #jettyErrors()}, so no answer is ever Jetty's HTML page.
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
                if (f.acceptPatch() != null) {
                    ctx.header("Accept-Patch", f.acceptPatch());
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
            case TooLarge ignored -> 413;
            case Unavailable f -> {
                // One line per request, the cause's trace at DEBUG only: an outage is not a bug in Loupe.
                LOG.warn("Refused {} {}: {}", ctx.method(), ctx.path(), f.getMessage());
                LOG.debug("Cause of the 503 for {} {}", ctx.method(), ctx.path(), f.getCause());
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
        ctx.status(status);
        if (ctx.method() == HandlerType.HEAD) {
            ctx.result(new byte[0]);
            return;
        }
        Body body = body(status, message, ctx.header("Accept"));
        ctx.contentType(body.contentType());
        ctx.result(body.bytes());
    }

    /** An error body and its Content-Type. */
    private record Body(String contentType, byte[] bytes) {}

    private Body body(int status, String message, String accept) {
        String reason = reason(status);
        if (Negotiation.prefersJson(accept)) {
            ObjectNode body = json.createObjectNode()
                    .put("message", message)
                    .put("code", status + " " + reason)
                    .put("title", reason);
            return new Body("application/json", body.toString().getBytes(StandardCharsets.UTF_8));
        }
        return new Body(
                "text/plain; charset=UTF-8",
                (status + " " + reason + "\n\n" + message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String reason(int status) {
        HttpStatus known = HttpStatus.forStatus(status);
        return known == HttpStatus.UNKNOWN ? org.eclipse.jetty.http.HttpStatus.getMessage(status) : known.getMessage();
    }

    /** The handler Jetty calls for the requests it refuses itself, for the server and the servlet context. */
    ErrorHandler jettyErrors() {
        return new JettyErrors();
    }

    /**
     * Jetty's refusals in Loupe's words. Jetty calls this for requests it cannot parse (then the request has no
     * headers: the answer is plain text with a new request id) and for requests it refuses after parsing (then
     * Accept and X-Openstack-Request-Id are honoured as for any other answer).
     */
    private final class JettyErrors extends ErrorHandler {

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus();
            Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
            if (cause instanceof HttpException refusal) {
                status = refusal.getCode();
            }
            String detail = (String) request.getAttribute(ERROR_MESSAGE);
            if (cause instanceof HttpException refusal && refusal.getReason() != null) {
                detail = refusal.getReason();
            }
            String message;
            if (status < 400 || status == 500) {
                LOG.error(
                        "Unexpected failure answering {} {}: {}",
                        request.getMethod(),
                        request.getHttpURI().getPath(),
                        detail,
                        cause);
                status = 500;
                message = INTERNAL;
            } else {
                message = explanation(request, status, detail, cause);
                // A request Loupe cannot read is the client's fault, whichever version it names: 400, not 505.
                status = status == 505 ? 400 : status;
            }
            response.setStatus(status);
            String given = request.getHeaders().get(RequestId.HEADER);
            response.getHeaders().put("x-openstack-request-id", RequestId.header(RequestId.of(given)));
            if (HttpMethod.HEAD.is(request.getMethod())) {
                callback.succeeded();
                return true;
            }
            Body body = body(status, message, request.getHeaders().get(HttpHeader.ACCEPT));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, body.contentType());
            response.write(true, ByteBuffer.wrap(body.bytes()), callback);
            return true;
        }

        /** What went wrong, for people: Jetty's reason where it says more than the status does. */
        private static String explanation(Request request, int status, String detail, Throwable cause) {
            boolean specific = detail != null && !detail.isBlank() && !detail.equalsIgnoreCase(reason(status));
            int limit = request.getConnectionMetaData().getHttpConfiguration().getRequestHeaderSize();
            return switch (status) {
                case 414 ->
                    "Request URI too long: the request line and headers together are limited to " + limit + " bytes.";
                case 431 ->
                    "Request headers too large: the request line and headers together are limited to " + limit
                            + " bytes.";
                case 505 ->
                    "Unsupported HTTP version" + (specific ? " (" + detail + ")" : "")
                            + ": Loupe answers HTTP/1.0 and HTTP/1.1.";
                case 426 -> "Upgrade Required: this connection speaks HTTP/1; Loupe answers HTTP/1.0 and HTTP/1.1.";
                case 400 -> specific ? "Malformed request: " + detail + "." : malformed(cause);
                default -> specific ? detail : reason(status) + ".";
            };
        }

        /** Jetty says only "Bad Request" when the request target does not parse; its cause says more. */
        private static String malformed(Throwable cause) {
            Throwable root = cause == null ? null : cause.getCause();
            if (root != null
                    && Arrays.stream(root.getStackTrace())
                            .anyMatch(frame -> frame.getClassName().startsWith(HttpURI.class.getName()))) {
                return root instanceof NumberFormatException
                                || String.valueOf(root.getMessage()).contains("%")
                        ? HttpFailure.BROKEN_ESCAPE
                        : "Malformed request: the request target is not a valid URI.";
            }
            return "Malformed request: the request line, a header or the body is not valid HTTP.";
        }
    }
}
