package dev.loupe.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An image source for import tests: plain HTTP/1.1 on 127.0.0.1, answering each request by its path with bytes the
 * test controls down to the socket (a body cut short, a reset, a pause until the test says go on), and counting the
 * requests each path got. Each connection carries one request and is closed after the answer. Unknown paths answer
 * 404.
 */
public final class SourceServer implements AutoCloseable {

    /** What the server does once it has read a request for the path. */
    @FunctionalInterface
    public interface Script {
        void answer(Socket socket, OutputStream out) throws Exception;
    }

    /** A request as read: its method, path and headers (names in lower case). */
    public record Request(String method, String path, Map<String, String> headers) {
        /** The header's value, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** What the server does once it has read a request for the path, knowing the request. */
    @FunctionalInterface
    public interface Handler {
        void answer(Request request, Socket socket, OutputStream out) throws Exception;
    }

    private final ServerSocket listener;
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private SourceServer() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        acceptor = Thread.ofVirtual().name("source-server-accept").start(this::accept);
    }

    public static SourceServer start() {
        try {
            return new SourceServer();
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1", e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Answers the path with the script from now on. */
    public void script(String path, Script script) {
        routes.put(path, (request, socket, out) -> script.answer(socket, out));
    }

    /** Answers the path with the handler from now on. */
    public void handle(String path, Handler handler) {
        routes.put(path, handler);
    }

    /** Answers the path with 200 and the bytes, with a Content-Length. */
    public void serve(String path, byte[] body) {
        script(path, (socket, out) -> {
            head(out, "200 OK", "Content-Length: " + body.length);
            out.write(body);
            out.flush();
        });
    }

    /** Answers the path with 200 and the bytes in chunks of {@code chunkSize}, without a length. */
    public void serveChunked(String path, byte[] body, int chunkSize) {
        script(path, (socket, out) -> {
            head(out, "200 OK", "Transfer-Encoding: chunked");
            for (int at = 0; at < body.length; at += chunkSize) {
                chunk(out, body, at, Math.min(chunkSize, body.length - at));
            }
            lastChunk(out);
        });
    }

    /** Answers the path with the status and a Location header. */
    public void redirect(String path, String status, String location) {
        script(path, (socket, out) -> head(out, status, "Location: " + location, "Content-Length: 0"));
    }

    /** How many requests the path has had. */
    public int requests(String path) {
        AtomicInteger count = requests.get(path);
        return count == null ? 0 : count.get();
    }

    /** Writes the status line and headers, with {@code Connection: close}. */
    public static void head(OutputStream out, String status, String... headers) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Writes the text as it is (ISO-8859-1): a status line, headers and a body of the script's own making. */
    public static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends nothing more until the server is closed: a source that stalls. */
    public static void stall() throws InterruptedException {
        new CountDownLatch(1).await(); // close() interrupts the scripts still running
    }

    /** Writes one chunk of a chunked body. */
    public static void chunk(OutputStream out, byte[] bytes, int offset, int length) throws IOException {
        out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes, offset, length);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Ends a chunked body. */
    public static void lastChunk(OutputStream out) throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Closes the connection with a TCP reset instead of an orderly close. */
    public static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            connections.add(socket);
            threads.add(Thread.ofVirtual()
                    .name("source-server-" + socket.getPort())
                    .start(() -> {
                        try (socket) {
                            answer(socket);
                        } catch (Exception e) {
                            // The importing side sees what happened to the connection; that is what the tests check.
                        } finally {
                            connections.remove(socket);
                            threads.remove(Thread.currentThread());
                        }
                    }));
        }
    }

    private void answer(Socket socket) throws Exception {
        BufferedReader request =
                new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = request.readLine();
        if (requestLine == null) {
            return;
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        String line;
        while ((line = request.readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(
                        line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        String[] parts = requestLine.split(" ");
        String path = parts.length > 1 ? parts[1] : "";
        requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        Handler handler = routes.get(path);
        OutputStream out = socket.getOutputStream();
        if (handler == null) {
            head(out, "404 Not Found", "Content-Length: 0");
        } else {
            handler.answer(new Request(parts[0], path, Map.copyOf(headers)), socket, out);
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        // Ends scripts still waiting for the test.
        for (Thread thread : threads) {
            thread.interrupt();
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
