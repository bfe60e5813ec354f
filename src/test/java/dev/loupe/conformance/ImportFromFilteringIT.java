package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;

import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The create-time {@code [import_filtering_opts]} filter: schemes, literal hosts
 * and explicit ports, each allow list overriding its deny list; each test runs its own server with its options.
 */
class ImportFromFilteringIT {

    @TempDir
    Path dir;

    private void withServer(Consumer<Client> test, String... overrides) {
        try (LoupeServer server = LoupeServer.start(dir, overrides)) {
            test.accept(server.client());
        }
    }

    private static void accepted(Client c, String uri) {
        ok(c.post("/v2/tasks", ADMIN_A, importBody(uri)), 201);
    }

    /** Upstream's message, word for word, then which rule refused the URI. */
    private static void filtered(Client c, String uri, String reason) {
        assertJsonError(
                c.post("/v2/tasks", asJson(ADMIN_A), importBody(uri)), 400, FILTERING + uri + " (" + reason + ")");
    }

    @Test
    void allowedPortsOverrideLetsThePortThroughAndAllowedHostsRestrictsHosts() {
        withServer(
                c -> {
                    accepted(c, "http://127.0.0.1:9393/tiny.raw");
                    accepted(c, "http://127.0.0.1/tiny.raw");
                    filtered(c, "http://127.0.0.1:9394/tiny.raw", "port 9394 is not in allowed_ports");
                    filtered(c, "http://localhost:9393/tiny.raw", "host localhost is not in allowed_hosts");
                    filtered(c, "http://example.com/tiny.raw", "host example.com is not in allowed_hosts");
                    // The prefix checks still come first, with their own messages.
                    assertJsonError(
                            c.post("/v2/tasks", asJson(ADMIN_A), importBody("ftp://127.0.0.1:9393/tiny.raw")),
                            400,
                            NOT_VALID_URI);
                },
                "import_filtering_opts.allowed_ports=[80,443,9393]",
                "import_filtering_opts.allowed_hosts=[127.0.0.1]");
    }

    /** An allowed address is allowed as the operator wrote it, not in its IPv6 spellings. */
    @Test
    void allowedHostsDoesNotAllowOtherSpellingsOfTheAddress() {
        withServer(
                c -> {
                    accepted(c, "http://127.0.0.1:9393/tiny.raw");
                    for (String host : new String[] {
                        "[::ffff:127.0.0.1]",
                        "[::ffff:7f00:1]",
                        "[::ffff:7f00:0001]",
                        "[0:0:0:0:0:ffff:127.0.0.1]",
                        "[::127.0.0.1]",
                        "[64:ff9b::7f00:1]"
                    }) {
                        filtered(c, "http://" + host + ":9393/tiny.raw", "host " + host + " is not in allowed_hosts");
                    }
                },
                "import_filtering_opts.allowed_ports=[80,443,9393]",
                "import_filtering_opts.allowed_hosts=127.0.0.1");
    }

    /** A disallowed address is refused however it is spelt. */
    @Test
    void disallowedHostsRefusesEverySpellingOfTheAddress() {
        withServer(
                c -> {
                    filtered(
                            c,
                            "http://[::ffff:127.0.0.1]/x",
                            "host [::ffff:127.0.0.1] is another spelling of"
                                    + " 127.0.0.1, which is in disallowed_hosts");
                    filtered(
                            c,
                            "http://[2002:7f00:1::1]/x",
                            "host [2002:7f00:1::1] is a 6to4 address for 127.0.0.1," + " which is in disallowed_hosts");
                    accepted(c, "http://[::ffff:192.0.2.1]/x");
                },
                "import_filtering_opts.disallowed_hosts=127.0.0.1");
    }

    @Test
    void disallowedHostsRefusesTheListedHost() {
        withServer(
                c -> {
                    filtered(c, "http://127.0.0.1:80/internal", "host 127.0.0.1 is in disallowed_hosts");
                    filtered(c, "http://127.0.0.1/internal", "host 127.0.0.1 is in disallowed_hosts");
                    accepted(c, "http://example.com:80/x");
                    filtered(c, "http://example.com:443/x", "port 443 is not in allowed_ports");
                },
                "import_filtering_opts.disallowed_hosts=[127.0.0.1]",
                "import_filtering_opts.allowed_ports=[80]");
    }

    @Test
    void allowedSchemesAndDisallowedPorts() {
        withServer(
                c -> {
                    filtered(c, "http://example.com/x", "scheme http is not in allowed_schemes");
                    accepted(c, "https://example.com/x");
                    filtered(c, "https://example.com:8443/x", "port 8443 is in disallowed_ports");
                    accepted(c, "https://example.com:8080/x");
                },
                "import_filtering_opts.allowed_schemes=[https]",
                "import_filtering_opts.allowed_ports=[]",
                "import_filtering_opts.disallowed_ports=[8443]");
    }

    @Test
    void disallowedListsAreIgnoredWhenTheAllowedListIsSet() {
        withServer(
                c -> {
                    accepted(c, "https://127.0.0.1/x");
                    filtered(c, "http://127.0.0.1/x", "scheme http is in disallowed_schemes");
                    filtered(c, "https://example.com/x", "host example.com is not in allowed_hosts");
                },
                "import_filtering_opts.allowed_schemes=[]",
                "import_filtering_opts.disallowed_schemes=[http]",
                "import_filtering_opts.allowed_hosts=[127.0.0.1]",
                "import_filtering_opts.disallowed_hosts=[127.0.0.1]");
    }

    @Test
    void withNoPortListsAnyExplicitPortPasses() {
        withServer(
                c -> {
                    accepted(c, "http://example.com:9393/x");
                    accepted(c, "http://example.com:1/x");
                },
                "import_filtering_opts.allowed_ports=[]");
    }
}
