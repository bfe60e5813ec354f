package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.address;
import static dev.loupe.imports.fetch.TestSettings.filter;
import static dev.loupe.imports.fetch.TestSettings.ipv6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The address check OkHttp resolves through. No connection is made here: these cases name addresses that tests
 * must never send traffic to.
 */
class CheckedDnsTest {

    private static final String HOW_TO_ALLOW = " (allow it with [import_filtering_opts] allowed_hosts)";

    private static CheckedDns dns(Resolver resolver, String... overrides) {
        return new CheckedDns(filter(overrides), resolver);
    }

    private static Resolver answering(InetAddress... addresses) {
        return host -> List.of(addresses);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            10.1.2.3        | a private address
            172.20.0.5      | a private address
            192.168.0.10    | a private address
            169.254.169.254 | a cloud metadata address
            169.254.10.10   | a link-local address
            100.100.100.200 | a carrier-grade NAT address
            127.0.0.1       | a loopback address
            0.0.0.0         | an unspecified address
            224.0.0.251     | a multicast address
            fe80::1         | a link-local address
            fd00:ec2::254   | a cloud metadata address
            fc00::5         | a private address
            ::1             | a loopback address
            """)
    void namesResolvingToRefusedAddressesAreRefused(String literal, String kind) {
        InetAddress resolved = address(literal);
        assertThatThrownBy(() -> dns(answering(resolved)).lookup("images.example"))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessage("images.example resolves to " + resolved.getHostAddress() + ", " + kind + HOW_TO_ALLOW);
    }

    @Test
    void aMappedAnswerIsRefusedAsTheAddressItCarries() {
        assertThatThrownBy(() -> dns(answering(ipv6(0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe)))
                        .lookup("m.example"))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessage("m.example resolves to 0:0:0:0:0:ffff:a9fe:a9fe, a cloud metadata address embedded in"
                        + " an IPv6 address" + HOW_TO_ALLOW);
    }

    @Test
    void oneRefusedAddressAmongPublicOnesRefusesTheName() {
        assertThatThrownBy(() -> dns(answering(address("203.0.113.7"), address("10.0.0.7")))
                        .lookup("mixed.example"))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessageStartingWith("mixed.example resolves to 10.0.0.7, a private address");
    }

    @Test
    void publicAnswersAreReturnedExactly() throws UnknownHostException {
        List<InetAddress> answer = List.of(address("203.0.113.7"), address("2001:db8::7"));
        assertThat(dns(host -> answer).lookup("images.example")).isEqualTo(answer);
    }

    @Test
    void everyLookupChecksItsOwnAnswerSoRebindingIsCaught() throws UnknownHostException {
        Deque<InetAddress> answers = new ArrayDeque<>(List.of(address("203.0.113.7"), address("127.0.0.1")));
        CheckedDns dns = dns(host -> List.of(answers.removeFirst()));
        assertThat(dns.lookup("rebind.example")).containsExactly(address("203.0.113.7"));
        assertThatThrownBy(() -> dns.lookup("rebind.example"))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessageStartingWith("rebind.example resolves to 127.0.0.1, a loopback address");
    }

    @Test
    void hostsNamedInAllowedHostsMayReachAnyAddress() throws UnknownHostException {
        CheckedDns dns = dns(answering(address("10.0.0.5")), "import_filtering_opts.allowed_hosts=[Images.Internal.]");
        assertThat(dns.lookup("images.internal")).containsExactly(address("10.0.0.5"));
        assertThatThrownBy(() -> dns.lookup("other.internal")).isInstanceOf(CheckedDns.Refused.class);
    }

    @Test
    void unresolvableAndEmptyAnswersSaySo() {
        assertThatThrownBy(() -> dns(host -> {
                            throw new UnknownHostException(host);
                        })
                        .lookup("nowhere.example"))
                .isInstanceOf(CheckedDns.Unresolvable.class)
                .hasMessage("Cannot resolve host nowhere.example");
        assertThatThrownBy(() -> dns(host -> List.of()).lookup("empty.example"))
                .isInstanceOf(CheckedDns.Unresolvable.class)
                .hasMessage("Cannot resolve host empty.example");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            10.1.2.3        | a private address
            169.254.169.254 | a cloud metadata address
            100.64.0.1      | a carrier-grade NAT address
            fe80::1         | a link-local address
            fd00:ec2::254   | a cloud metadata address
            ::              | an unspecified address
            """)
    void literalHostsGetTheSameCheck(String host, String kind) {
        assertThatThrownBy(() -> dns(Resolver.SYSTEM).checkLiteral(host))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessage(host + " is " + kind + HOW_TO_ALLOW);
    }

    @Test
    void literalHostsNamedInAllowedHostsPass() {
        assertThatCode(() -> dns(Resolver.SYSTEM, "import_filtering_opts.allowed_hosts=[10.1.2.3, [fd00::1]]")
                        .checkLiteral("10.1.2.3"))
                .doesNotThrowAnyException();
        assertThatCode(() -> dns(Resolver.SYSTEM, "import_filtering_opts.allowed_hosts=[10.1.2.3, [fd00::1]]")
                        .checkLiteral("fd00::1"))
                .doesNotThrowAnyException();
    }

    /** An allow-list entry lifts the check for the spelling it names only. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ::ffff:127.0.0.1         | a loopback address
            ::ffff:7f00:1            | a loopback address
            ::ffff:7f00:0001         | a loopback address
            0:0:0:0:0:ffff:127.0.0.1 | a loopback address
            ::127.0.0.1              | a loopback address embedded in an IPv6 address
            64:ff9b::7f00:1          | a loopback address embedded in an IPv6 address
            2002:7f00:1::1           | a loopback address embedded in an IPv6 address
            """)
    void otherSpellingsOfAnAllowedLiteralGetTheCheck(String host, String kind) {
        CheckedDns dns = dns(Resolver.SYSTEM, "import_filtering_opts.allowed_hosts=127.0.0.1");
        assertThatCode(() -> dns.checkLiteral("127.0.0.1")).doesNotThrowAnyException();
        assertThatThrownBy(() -> dns.checkLiteral(host))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessage(host + " is " + kind + HOW_TO_ALLOW);
    }

    @Test
    void digitStringsThatAreNotDottedQuadsAreRefused() {
        assertThatThrownBy(() -> dns(Resolver.SYSTEM).checkLiteral("127.1"))
                .isInstanceOf(CheckedDns.Refused.class)
                .hasMessage("127.1 is not a dotted-quad IPv4 address");
        assertThatThrownBy(() -> dns(Resolver.SYSTEM).checkLiteral("2130706433"))
                .isInstanceOf(CheckedDns.Refused.class);
    }

    @Test
    void namesAndPublicLiteralsAreLeftToTheLookup() {
        assertThatCode(() -> dns(Resolver.SYSTEM).checkLiteral("images.example"))
                .doesNotThrowAnyException();
        assertThatCode(() -> dns(Resolver.SYSTEM).checkLiteral("203.0.113.9")).doesNotThrowAnyException();
        assertThatCode(() -> dns(Resolver.SYSTEM).checkLiteral("2001:db8::9")).doesNotThrowAnyException();
    }
}
