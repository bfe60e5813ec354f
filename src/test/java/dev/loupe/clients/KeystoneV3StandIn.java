package dev.loupe.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Just enough of Keystone v3 for a client library to log in: {@code POST /v3/auth/tokens} with password
 * credentials and a project scope answers 201, {@code X-Subject-Token} and a token whose catalog lists an
 * {@code image} service (public, internal and admin, region RegionOne) at the given URL. Anything else is refused
 * the way Keystone refuses it (401 with its JSON error). Tokens are opaque; {@link #identity(String)} says whom a
 * token was issued to.
 */
final class KeystoneV3StandIn implements AutoCloseable {

    /** A user Keystone knows, with the one project it may scope to and its role names there. */
    record Account(String userId, String password, String projectId, List<String> roles) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String imageUrl;
    private final Map<String, Account> accounts;
    private final Map<String, Account> issued = new ConcurrentHashMap<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();

    private KeystoneV3StandIn(String imageUrl, List<Account> accounts) throws IOException {
        this.imageUrl = imageUrl;
        this.accounts = new ConcurrentHashMap<>();
        accounts.forEach(a -> this.accounts.put(a.userId(), a));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v3/auth/tokens", this::tokens);
        server.start();
    }

    static KeystoneV3StandIn start(String imageUrl, Account... accounts) {
        try {
            return new KeystoneV3StandIn(imageUrl, List.of(accounts));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The identity endpoint a client is configured with, e.g. {@code http://127.0.0.1:PORT/v3}. */
    String authUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v3";
    }

    int tokenRequests() {
        return tokenRequests.get();
    }

    Account identity(String token) {
        return issued.get(token);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void tokens(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                send(exchange, 405, error(405, "Method Not Allowed", "The method is not allowed for the requested URL."));
                return;
            }
            tokenRequests.incrementAndGet();
            JsonNode auth;
            try (InputStream in = exchange.getRequestBody()) {
                auth = JSON.readTree(in).path("auth");
            } catch (IOException e) {
                send(exchange, 400, error(400, "Bad Request", "Malformed request body."));
                return;
            }
            JsonNode user = auth.path("identity").path("password").path("user");
            Account account = accounts.get(user.path("id").asText(user.path("name").asText("")));
            JsonNode project = auth.path("scope").path("project");
            String wantedProject = project.path("id").asText(project.path("name").asText(""));
            if (!auth.path("identity").path("methods").toString().contains("\"password\"")
                    || account == null || !account.password().equals(user.path("password").asText())
                    || !account.projectId().equals(wantedProject)) {
                send(exchange, 401, error(401, "Unauthorized", "The request you have made requires authentication."));
                return;
            }
            String token = "gAAAAA" + UUID.randomUUID().toString().replace("-", "");
            issued.put(token, account);
            exchange.getResponseHeaders().set("X-Subject-Token", token);
            send(exchange, 201, tokenBody(account));
        }
    }

    private ObjectNode tokenBody(Account account) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ObjectNode token = JSON.createObjectNode();
        token.putArray("methods").add("password");
        ObjectNode user = token.putObject("user");
        user.put("id", account.userId()).put("name", account.userId()).putNull("password_expires_at");
        defaultDomain(user);
        token.putArray("audit_ids").add(UUID.randomUUID().toString().substring(0, 22));
        token.put("expires_at", keystoneTime(now.plus(1, ChronoUnit.HOURS)));
        token.put("issued_at", keystoneTime(now));
        ObjectNode project = token.putObject("project");
        project.put("id", account.projectId()).put("name", account.projectId());
        defaultDomain(project);
        token.put("is_domain", false);
        ArrayNode roles = token.putArray("roles");
        account.roles().forEach(role -> roles.addObject().put("id", "role-" + role).put("name", role));
        ArrayNode catalog = token.putArray("catalog");
        service(catalog, "image", "glance", imageUrl);
        service(catalog, "identity", "keystone", authUrl());
        ObjectNode body = JSON.createObjectNode();
        body.set("token", token);
        return body;
    }

    private static void service(ArrayNode catalog, String type, String name, String url) {
        ObjectNode service = catalog.addObject();
        ArrayNode endpoints = service.putArray("endpoints");
        for (String iface : List.of("public", "internal", "admin")) {
            endpoints.addObject()
                    .put("id", type + "-" + iface)
                    .put("interface", iface)
                    .put("region_id", "RegionOne")
                    .put("url", url)
                    .put("region", "RegionOne");
        }
        service.put("id", "service-" + type).put("type", type).put("name", name);
    }

    private static void defaultDomain(ObjectNode owner) {
        owner.putObject("domain").put("id", "default").put("name", "Default");
    }

    /** Keystone writes times with microseconds and a Z, e.g. {@code 2026-01-01T00:00:00.000000Z}. */
    private static String keystoneTime(Instant instant) {
        String text = instant.toString();
        String seconds = text.substring(0, 19);
        int micros = instant.getNano() / 1000;
        return seconds + "." + String.format("%06d", micros) + "Z";
    }

    private static ObjectNode error(int code, String title, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("title", title).put("message", message);
        return body;
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Vary", "X-Auth-Token");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
