package dev.loupe.imports.fetch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A server on 127.0.0.1 that answers one request with raw bytes, in steps the test controls: for what MockWebServer
 * cannot do, such as resetting the connection mid-body or holding the rest of a body until the client has read
 * the first part.
 */
final class OneShotServer implements AutoCloseable {

    /** What the server does once it has read the request. */
    @FunctionalInterface
    interface Script {
        void answer(Socket socket, OutputStream out) throws Exception;
    }

    private final ServerSocket listener;
    private final Thread thread;

    private OneShotServer(Script script) throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        thread = Thread.ofVirtual().start(() -> {
            try (Socket socket = listener.accept()) {
                BufferedReader request =
                        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                String line;
                do {
                    line = request.readLine();
                } while (line != null && !line.isEmpty());
                script.answer(socket, socket.getOutputStream());
            } catch (Exception e) {
                // The test sees the outcome on the client side.
            }
        });
    }

    static OneShotServer start(Script script) throws IOException {
        return new OneShotServer(script);
    }

    String url() {
        return "http://127.0.0.1:" + listener.getLocalPort() + "/image";
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        // Ends a script still waiting, as a stalled source does.
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
