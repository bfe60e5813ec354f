package dev.loupe.imports.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loupe.config.Config;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The checks on {@code import_from} at create ({@code [import_filtering_opts]} and the address checks of docs/compatibility.md), with upstream's messages. */
class ImportUriFilterTest {

    private static final String NOT_VALID = "The given uri is not valid. Please specify a valid uri from the following"
            + " list of supported uri ['http']";
    private static final String FILE =
            "File based imports are not allowed. Please use a non-local source of image" + " data.";
    private static final String FILTERED = "URI for legacy import task does not pass filtering: ";
    private static final String INVALID_HOST = "the host is not a valid host name or address";

    @TempDir
    Path dir;

    private ImportUriFilter filter(String... overrides) {
        return ImportUriFilter.from(Config.load(null, List.of(overrides), dir));
    }

    private static void refused(ImportUriFilter filter, JsonNode value, String message) {
        assertThat(filter.refusal(value)).contains(message);
    }

    private static void refused(ImportUriFilter filter, String uri, String message) {
        assertThat(filter.refusal(uri)).as(uri).contains(message);
    }

    /** Refused by the filter, with upstream's message and then which rule refused it. */
    private static void filtered(ImportUriFilter filter, String uri, String reason) {
        refused(filter, uri, FILTERED + uri + " (" + reason + ")");
    }

    private static void passes(ImportUriFilter filter, String uri) {
        assertThat(filter.refusal(uri)).as(uri).isEmpty();
    }

    @Nested
    class Location {

        /** Upstream's words first, then which of the two it was. */
        @Test
        void missingOrNullIsNoneAndSaysWhich() {
            ImportUriFilter f = filter();
            refused(f, (JsonNode) null, "Invalid location: None (input does not contain 'import_from')");
            refused(f, MissingNode.getInstance(), "Invalid location: None (input does not contain 'import_from')");
            refused(f, NullNode.getInstance(), "Invalid location: None (import_from is null)");
        }

        @Test
        void emptyIsEmpty() {
            refused(filter(), "", "Invalid location: ");
        }

        @Test
        void nonStringsAreRefused() {
            ImportUriFilter f = filter();
            for (JsonNode value : List.of(
                    IntNode.valueOf(5),
                    IntNode.valueOf(0),
                    BooleanNode.TRUE,
                    JsonNodeFactory.instance.arrayNode(),
                    JsonNodeFactory.instance.objectNode())) {
                assertThat(f.refusal(value))
                        .as(value.toString())
                        .hasValueSatisfying(refusal -> assertThat(refusal).startsWith("Invalid location: "));
            }
        }

        /** Python formats the falsy value with %s: {@code False}, {@code 0}, {@code []}, {@code {}}. */
        @Test
        void falsyNonStringsReadAsPythonPrintsThem() {
            ImportUriFilter f = filter();
            refused(f, BooleanNode.FALSE, "Invalid location: False");
            refused(f, IntNode.valueOf(0), "Invalid location: 0");
            refused(f, JsonNodeFactory.instance.arrayNode(), "Invalid location: []");
            refused(f, JsonNodeFactory.instance.objectNode(), "Invalid location: {}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"file:///etc/passwd", "file:///", "filesystem:///var/lib/glance/images/x"})
        void fileBased(String uri) {
            refused(filter(), uri, FILE);
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "ftp://example.invalid/x",
                    "file://host/etc/passwd",
                    "file:/etc/passwd",
                    "HTTP://example.invalid/x",
                    "Https://example.invalid/x",
                    "swift://container/obj",
                    "cinder://vol",
                    "rbd://pool/img",
                    " http://example.invalid/",
                    "http:/example.invalid/",
                    "http:example.invalid",
                    "example.invalid/image.raw",
                    "//example.invalid/x",
                    "javascript:alert(1)",
                    "s3://bucket/key"
                })
        void notHttp(String uri) {
            refused(filter(), uri, NOT_VALID);
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "http://example.invalid/image.raw",
                    "https://example.invalid/image.raw",
                    "http://images.example.com:80/a.qcow2",
                    "https://images.example.com:443/a?b=c",
                    "http://user:pw@example.invalid/x",
                    "http://EXAMPLE.invalid/x",
                    "http://127.0.0.1/x",
                    "http://10.0.0.1/x",
                    "http://localhost/x"
                })
        void httpAndHttpsPassByDefault(String uri) {
            passes(filter(), uri);
        }

        /** Underscores are legal in DNS names and the filter's own host pattern takes them. */
        @Test
        void hostNamesWithUnderscoresPass() {
            passes(filter(), "http://a_b.example.invalid/image.raw");
            passes(filter(), "http://legacy_bucket.s3.example.invalid/image.raw");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                http://                      | the URI is not valid
                https://                     | the URI is not valid
                http:///path                 | the URI has no host
                http://exa mple.invalid/     | the URI is not valid
                http://[::1/x                | the URI is not valid
                http://example.invalid:port/ | the port is not a valid port number
                http://example.invalid:99999/ | the port is not a valid port number
                http://%65xample.invalid/    | the host is not a valid host name or address
                http://пример.испытание/     | the host is not a valid host name or address
                http://.invalid/             | the host is not a valid host name or address
                http://-a-.invalid/          | the host is not a valid host name or address
                http://a..b/                 | the host is not a valid host name or address
                """)
        void malformedUrisDoNotPassTheFilter(String uri, String reason) {
            filtered(filter(), uri, reason);
        }
    }

    @Nested
    class NumericHosts {

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "2130706433",
                    "127.1",
                    "0x7f000001",
                    "0177.0.0.1",
                    "0x7f.1",
                    "0x7f.0.0.1",
                    "127.0.0.01",
                    "01.02.03.04",
                    "4294967296",
                    "0",
                    "127.0.1",
                    "0X7F000001",
                    "017700000001",
                    "1.2.3.4.5",
                    "999.1.1.1",
                    "2130706433."
                })
        void refusedInEveryEncoding(String host) {
            filtered(filter(), "http://" + host + "/image.raw", INVALID_HOST);
        }

        @Test
        void dottedQuadsAreNotNumericEncodings() {
            passes(filter(), "http://192.0.2.10/image.raw");
            passes(filter(), "http://0.0.0.0/image.raw");
        }

        @Test
        void aNumericHostHiddenBehindUserInfoIsStillTheHost() {
            filtered(filter(), "http://example.invalid@127.1/x", INVALID_HOST);
            passes(filter(), "http://127.1@example.invalid/x");
        }
    }

    @Nested
    class Ipv6 {

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "http://[::1]/x",
                    "http://[2001:db8::1]:80/x",
                    "https://[fe80::1]/x",
                    "http://[::ffff:192.0.2.1]/x",
                    "http://[0:0:0:0:0:0:0:1]/x"
                })
        void literalsPassByDefault(String uri) {
            passes(filter(), uri);
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                http://[::g]/x                | the URI is not valid
                http://[1:2:3:4:5:6:7:8:9]/x  | the URI is not valid
                http://[]/x                   | the URI is not valid
                http://[:::]/x                | the URI is not valid
                http://[v1.x]/x               | the URI is not valid
                http://[fe80::1%25eth0]/x     | the host is not a valid host name or address
                """)
        void badLiteralsAreRefused(String uri, String reason) {
            filtered(filter(), uri, reason);
        }

        @Test
        void literalsAreComparedCanonically() {
            ImportUriFilter f = filter("import_filtering_opts.disallowed_hosts=[::1, 2001:db8::1]");
            filtered(f, "http://[::1]/x", "host [::1] is in disallowed_hosts");
            filtered(f, "http://[0:0:0:0:0:0:0:1]/x", "host [0:0:0:0:0:0:0:1] is in disallowed_hosts");
            filtered(f, "http://[0000::0001]/x", "host [0000::0001] is in disallowed_hosts");
            filtered(f, "http://[2001:DB8:0:0::1]/x", "host [2001:DB8:0:0::1] is in disallowed_hosts");
            passes(f, "http://[::2]/x");
        }

        @Test
        void anAllowListOfLiterals() {
            ImportUriFilter f = filter("import_filtering_opts.allowed_hosts=[::1]");
            passes(f, "http://[::1]/x");
            passes(f, "http://[0:0::1]:80/x");
            filtered(f, "http://[::2]/x", "host [::2] is not in allowed_hosts");
            filtered(f, "http://localhost/x", "host localhost is not in allowed_hosts");
        }
    }

    /**
     * An allow-list entry allows the host the operator wrote, not other spellings of its address; a deny-list entry
     * refuses its address however it is spelt.
     */
    @Nested
    class OtherSpellingsOfAnAddress {

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "[::ffff:127.0.0.1]",
                    "[::ffff:7f00:1]",
                    "[::ffff:7f00:0001]",
                    "[::FFFF:7F00:1]",
                    "[0:0:0:0:0:ffff:127.0.0.1]",
                    "[0000:0000:0000:0000:0000:ffff:7f00:0001]",
                    "[::127.0.0.1]",
                    "[::7f00:1]",
                    "[64:ff9b::7f00:1]",
                    "[64:ff9b::127.0.0.1]",
                    "[2002:7f00:1::1]"
                })
        void anAllowedIpv4AddressDoesNotAllowItsIpv6Spellings(String host) {
            ImportUriFilter f = filter("import_filtering_opts.allowed_hosts=127.0.0.1");
            filtered(f, "http://" + host + "/x", "host " + host + " is not in allowed_hosts");
            filtered(f, "http://" + host + ":80/x", "host " + host + " is not in allowed_hosts");
            passes(f, "http://127.0.0.1/x");
        }

        @Test
        void anAllowedIpv6AddressAllowsItsOwnSpellingsOnly() {
            ImportUriFilter f = filter("import_filtering_opts.allowed_hosts=[[64:ff9b::7f00:1]]");
            passes(f, "http://[64:ff9b::127.0.0.1]/x");
            passes(f, "http://[64:FF9B:0:0:0:0:7F00:0001]/x");
            filtered(f, "http://127.0.0.1/x", "host 127.0.0.1 is not in allowed_hosts");
            filtered(f, "http://[::ffff:127.0.0.1]/x", "host [::ffff:127.0.0.1] is not in allowed_hosts");
        }

        /** The JDK, and so the fetcher, connects to an IPv4-mapped literal as the IPv4 address it carries. */
        @Test
        void anAllowedMappedLiteralMustAlsoBeAllowedAsTheAddressItIsConnectedTo() {
            filtered(
                    filter("import_filtering_opts.allowed_hosts=[[::ffff:127.0.0.1]]"),
                    "http://[::ffff:7f00:1]/x",
                    "host [::ffff:7f00:1] is connected to as 127.0.0.1, which is not in allowed_hosts");
            ImportUriFilter both = filter("import_filtering_opts.allowed_hosts=[[::ffff:127.0.0.1], 127.0.0.1]");
            passes(both, "http://[::ffff:7f00:1]/x");
            passes(both, "http://127.0.0.1/x");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                127.0.0.1                  | host 127.0.0.1 is in disallowed_hosts
                [::ffff:127.0.0.1]         | host [::ffff:127.0.0.1] is another spelling of 127.0.0.1, which is in disallowed_hosts
                [::ffff:7f00:0001]         | host [::ffff:7f00:0001] is another spelling of 127.0.0.1, which is in disallowed_hosts
                [0:0:0:0:0:ffff:127.0.0.1] | host [0:0:0:0:0:ffff:127.0.0.1] is another spelling of 127.0.0.1, which is in disallowed_hosts
                [::127.0.0.1]              | host [::127.0.0.1] is another spelling of 127.0.0.1, which is in disallowed_hosts
                [::7f00:1]                 | host [::7f00:1] is another spelling of 127.0.0.1, which is in disallowed_hosts
                [64:ff9b::7f00:1]          | host [64:ff9b::7f00:1] is another spelling of 127.0.0.1, which is in disallowed_hosts
                [2002:7f00:1::1]           | host [2002:7f00:1::1] is a 6to4 address for 127.0.0.1, which is in disallowed_hosts
                [2002:7f00:1:2:3:4:5:6]    | host [2002:7f00:1:2:3:4:5:6] is a 6to4 address for 127.0.0.1, which is in disallowed_hosts
                """)
        void aDisallowedAddressIsRefusedInEverySpelling(String host, String reason) {
            ImportUriFilter f = filter("import_filtering_opts.disallowed_hosts=127.0.0.1");
            filtered(f, "http://" + host + "/x", reason);
        }

        @Test
        void aDisallowedMappedLiteralRefusesTheIpv4AddressItCarries() {
            ImportUriFilter f = filter("import_filtering_opts.disallowed_hosts=[[::ffff:10.0.0.1]]");
            filtered(
                    f,
                    "http://10.0.0.1/x",
                    "host 10.0.0.1 is another spelling of [::ffff:10.0.0.1], which is in disallowed_hosts");
            filtered(
                    f,
                    "http://[64:ff9b::a00:1]/x",
                    "host [64:ff9b::a00:1] is another spelling of [::ffff:10.0.0.1], which is in disallowed_hosts");
            passes(f, "http://10.0.0.2/x");
        }

        @Test
        void otherAddressesAreNotSpellingsOfADisallowedOne() {
            ImportUriFilter f = filter("import_filtering_opts.disallowed_hosts=[127.0.0.1, [2002:a00:1::1]]");
            passes(f, "http://[::1]/x");
            passes(f, "http://[::]/x");
            passes(f, "http://127.0.0.2/x");
            passes(f, "http://[::ffff:127.0.0.2]/x");
            passes(f, "http://[2002:7f00:2::1]/x");
            // A 6to4 address is one host behind its IPv4 router, not a spelling of the router's address.
            passes(f, "http://10.0.0.1/x");
            filtered(f, "http://[2002:a00:1:0::1]/x", "host [2002:a00:1:0::1] is in disallowed_hosts");
        }

        @Test
        void theFetchersAllowListLiftFollowsTheSameRule() {
            ImportUriFilter f = filter("import_filtering_opts.allowed_hosts=127.0.0.1");
            assertThat(f.namesAllowedHost("127.0.0.1")).isTrue();
            assertThat(f.namesAllowedHost("::ffff:127.0.0.1")).isFalse();
            assertThat(f.namesAllowedHost("[::ffff:7f00:1]")).isFalse();
            assertThat(f.namesAllowedHost("::127.0.0.1")).isFalse();
            assertThat(f.namesAllowedHost("64:ff9b::7f00:1")).isFalse();
            assertThat(filter().namesAllowedHost("127.0.0.1")).isFalse();
        }
    }

    @Nested
    class Precedence {

        @Test
        void disallowedHostsAloneRefuseTheirHostsInAnyCase() {
            ImportUriFilter f = filter("import_filtering_opts.disallowed_hosts=[metadata.invalid, 192.0.2.1]");
            filtered(f, "http://metadata.invalid/x", "host metadata.invalid is in disallowed_hosts");
            filtered(f, "http://METADATA.Invalid/x", "host METADATA.Invalid is in disallowed_hosts");
            filtered(f, "http://metadata.invalid./x", "host metadata.invalid. is in disallowed_hosts");
            filtered(f, "http://192.0.2.1:80/x", "host 192.0.2.1 is in disallowed_hosts");
            passes(f, "http://other.invalid/x");
        }

        @Test
        void anAllowListOfHostsDecidesAloneAndTheDenyListIsIgnored() {
            ImportUriFilter f = filter(
                    "import_filtering_opts.allowed_hosts=[a.invalid]",
                    "import_filtering_opts.disallowed_hosts=[a.invalid, b.invalid]");
            passes(f, "http://a.invalid/x");
            filtered(f, "http://b.invalid/x", "host b.invalid is not in allowed_hosts");
            filtered(f, "http://c.invalid/x", "host c.invalid is not in allowed_hosts");
        }

        @Test
        void schemesFollowTheSameRule() {
            // allowed_schemes defaults to [http, https], so a deny list alone is ignored...
            passes(filter("import_filtering_opts.disallowed_schemes=[http]"), "http://a.invalid/x");
            // ... unless the allow list is emptied.
            ImportUriFilter denyOnly = filter(
                    "import_filtering_opts.allowed_schemes=[]", "import_filtering_opts.disallowed_schemes=[http]");
            filtered(denyOnly, "http://a.invalid/x", "scheme http is in disallowed_schemes");
            passes(denyOnly, "https://a.invalid/x");
            ImportUriFilter httpsOnly = filter("import_filtering_opts.allowed_schemes=[https]");
            filtered(httpsOnly, "http://a.invalid/x", "scheme http is not in allowed_schemes");
            passes(httpsOnly, "https://a.invalid/x");
        }

        @Test
        void theSchemeCheckComesAfterTheUpstreamPrefixCheck() {
            // A scheme the filter would allow is still not http(s) for upstream's prefix check.
            refused(filter("import_filtering_opts.allowed_schemes=[ftp]"), "ftp://a.invalid/x", NOT_VALID);
        }
    }

    /** Upstream's message stays first, word for word, so clients matching on it still do; the rule follows. */
    @Nested
    class Reasons {

        @Test
        void eachRuleThatRefusesNamesItself() {
            refused(
                    filter(),
                    "http://h:9703/x",
                    "URI for legacy import task does not pass filtering: http://h:9703/x"
                            + " (port 9703 is not in allowed_ports)");
            refused(
                    filter("import_filtering_opts.disallowed_hosts=[10.0.0.1]"),
                    "http://10.0.0.1/x",
                    "URI for legacy import task does not pass filtering: http://10.0.0.1/x"
                            + " (host 10.0.0.1 is in disallowed_hosts)");
            refused(
                    filter("import_filtering_opts.allowed_hosts=[images.example]"),
                    "http://my_host/x",
                    "URI for legacy import task does not pass filtering: http://my_host/x"
                            + " (host my_host is not in allowed_hosts)");
            refused(
                    filter("import_filtering_opts.allowed_schemes=[https]"),
                    "http://h/x",
                    "URI for legacy import task does not pass filtering: http://h/x"
                            + " (scheme http is not in allowed_schemes)");
            refused(
                    filter(),
                    "http://0x7f000001/x",
                    "URI for legacy import task does not pass filtering: http://0x7f000001/x"
                            + " (the host is not a valid host name or address)");
        }

        @Test
        void theFirstRuleThatRefusesIsNamedInUpstreamsOrderSchemeHostPort() {
            ImportUriFilter f = filter(
                    "import_filtering_opts.allowed_schemes=[https]", "import_filtering_opts.allowed_hosts=[a.invalid]");
            filtered(f, "http://b.invalid:8080/x", "scheme http is not in allowed_schemes");
            filtered(f, "https://b.invalid:8080/x", "host b.invalid is not in allowed_hosts");
            filtered(f, "https://a.invalid:8080/x", "port 8080 is not in allowed_ports");
        }
    }

    @Nested
    class Ports {

        @Test
        void onlyAnExplicitPortIsChecked() {
            ImportUriFilter f = filter();
            passes(f, "http://a.invalid/x");
            passes(f, "https://a.invalid/x");
            passes(f, "http://a.invalid:80/x");
            passes(f, "https://a.invalid:443/x");
            passes(f, "https://a.invalid:80/x");
            filtered(f, "http://a.invalid:8080/x", "port 8080 is not in allowed_ports");
            filtered(f, "http://a.invalid:22/x", "port 22 is not in allowed_ports");
            filtered(f, "http://[::1]:8080/x", "port 8080 is not in allowed_ports");
        }

        @Test
        void anImplicitPortPassesAnyAllowList() {
            ImportUriFilter f = filter("import_filtering_opts.allowed_ports=[8080]");
            passes(f, "http://a.invalid/x");
            passes(f, "http://a.invalid:8080/x");
            filtered(f, "http://a.invalid:80/x", "port 80 is not in allowed_ports");
        }

        @Test
        void aDenyListAppliesOnlyWithoutAnAllowList() {
            ImportUriFilter ignored = filter("import_filtering_opts.disallowed_ports=[80]");
            passes(ignored, "http://a.invalid:80/x");
            ImportUriFilter denyOnly = filter(
                    "import_filtering_opts.allowed_ports=[]", "import_filtering_opts.disallowed_ports=[22, 8080]");
            filtered(denyOnly, "http://a.invalid:8080/x", "port 8080 is in disallowed_ports");
            filtered(denyOnly, "http://a.invalid:22/x", "port 22 is in disallowed_ports");
            passes(denyOnly, "http://a.invalid:8081/x");
            passes(denyOnly, "http://a.invalid/x");
        }
    }
}
