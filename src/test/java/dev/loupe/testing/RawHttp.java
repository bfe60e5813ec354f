package dev.loupe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, so a test can send what ordinary clients refuse to build: request targets with
 * broken %-escapes, bodies that are not UTF-8, no Content-Type at all, chunked bodies, or any bytes at all with
 * {@link #exchange}. One connection per request ({@code Connection: close}), so the response is everything read
 * until the server closes.
 */
public final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    public record Header(String name, String value) {}

    public record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** The first value of a header, by case-insensitive name, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.getFirst();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /**
         * The error message of a Loupe error body: the {@code message} of the JSON form, or the explanation after
         * the blank line of the plain form ({@code "<code> <title>\n\n<explanation>"}); null when neither.
         */
        public String errorMessage() {
            String type = header("Content-Type");
            if (type == null) {
                return null;
            }
            if (type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                try {
                    JsonNode node = JSON.readTree(body);
                    JsonNode message = node == null ? null : node.get("message");
                    return message == null || !message.isTextual() ? null : message.textValue();
                } catch (IOException e) {
                    return null;
                }
            }
            String text = text();
            int blank = text.indexOf("\n\n");
            if (blank < 0) {
                return null;
            }
            String message = text.substring(blank + 2);
            return message.endsWith("\n") ? message.substring(0, message.length() - 1) : message;
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + headers + "\n" + (text.length() > 2000 ? text.substring(0, 2000) + "…" : text);
        }
    }

    private final int port;
    private final int timeoutMillis;

    public RawHttp(int port) {
        this(port, 20_000);
    }

    public RawHttp(int port, int timeoutMillis) {
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * @param target  the request target exactly as it goes on the wire (ASCII)
     * @param body    null for no body and no Content-Length
     * @param chunked send the body with {@code Transfer-Encoding: chunked} instead of a Content-Length
     */
    public Response send(String method, String target, List<Header> headers, byte[] body, boolean chunked) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:")
                .append(port)
                .append("\r\n")
                .append("Connection: close\r\n");
        for (Header h : headers) {
            head.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        if (body != null) {
            head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
        }
        head.append("\r\n");
        request.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            if (chunked) {
                int at = 0;
                while (at < body.length) {
                    int n = Math.min(8192, body.length - at);
                    request.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    request.write(body, at, n);
                    request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                    at += n;
                }
                request.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                request.writeBytes(body);
            }
        }
        return exchange(request.toByteArray(), false, method + " " + target);
    }

    /** The port this client talks to, for requests built by hand ({@code Host: 127.0.0.1:port}). */
    public int port() {
        return port;
    }

    /**
     * Sends {@code request} exactly as given (it should ask for {@code Connection: close}), then, with
     * {@code halfClose}, shuts down the sending side, so the server sees the end of the stream where the request
     * ends; the answer is everything read until the server closes.
     */
    public Response exchange(byte[] request, boolean halfClose) {
        String firstLine = new String(request, 0, Math.min(request.length, 120), StandardCharsets.ISO_8859_1);
        return exchange(request, halfClose, firstLine.split("\r\n", 2)[0]);
    }

    private Response exchange(byte[] request, boolean halfClose, String what) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                if (halfClose) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                // The server may answer (e.g. 413) and close before it has read the whole body; read that answer.
            }
            return parse(socket.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("no answer to " + what + ": " + e, e);
        }
    }

    private static Response parse(byte[] raw) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (end < 0) {
            throw new IllegalStateException("not an HTTP response: " + new String(raw, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(
                            lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        List<String> te = headers.get("transfer-encoding");
        if (te != null && te.getFirst().equalsIgnoreCase("chunked")) {
            body = dechunk(body);
        }
        return new Response(status, headers, body);
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, crlf, at);
            String sizeText = new String(chunked, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].strip();
            int size = Integer.parseInt(sizeText, 16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
