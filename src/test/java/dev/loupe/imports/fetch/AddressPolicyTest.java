package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.address;
import static dev.loupe.imports.fetch.TestSettings.ipv6;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses an import may not connect to (C8). */
class AddressPolicyTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1       | a loopback address
            127.255.0.9     | a loopback address
            10.0.0.1        | a private address
            10.255.255.255  | a private address
            172.16.0.1      | a private address
            172.31.255.254  | a private address
            192.168.1.1     | a private address
            169.254.0.1     | a link-local address
            169.254.169.254 | a cloud metadata address
            224.0.0.1       | a multicast address
            239.255.255.250 | a multicast address
            0.0.0.0         | an unspecified address
            0.1.2.3         | an unspecified address
            100.64.0.1      | a carrier-grade NAT address
            100.127.255.254 | a carrier-grade NAT address
            255.255.255.255 | a reserved address
            ::1             | a loopback address
            ::              | an unspecified address
            fc00::1         | a private address
            fd12:3456::1    | a private address
            fe80::1         | a link-local address
            febf::1         | a link-local address
            fec0::1         | a private address
            ff02::1         | a multicast address
            fd00:ec2::254   | a cloud metadata address
            """)
    void refused(String literal, String kind) {
        assertThat(AddressPolicy.refusal(address(literal))).contains(kind);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "8.8.8.8",
                "1.1.1.1",
                "172.15.255.255",
                "172.32.0.1",
                "192.169.0.1",
                "100.63.255.255",
                "100.128.0.1",
                "169.253.255.255",
                "223.255.255.255",
                "11.0.0.1",
                "2001:4860:4860::8888",
                "2a00:1450::1",
                "fbff::1",
                "fe00::1",
                "ff::1"
            })
    void publicAddressesPass(String literal) {
        assertThat(AddressPolicy.refusal(address(literal))).isEmpty();
    }

    @Test
    void ipv4MappedFormsAreRefusedAsWhatTheyCarry() {
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001)))
                .contains("a loopback address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001)))
                .contains("a private address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe)))
                .contains("a cloud metadata address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0x0001)))
                .contains("a link-local address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0x6440, 0x0001)))
                .contains("a carrier-grade NAT address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0, 0)))
                .contains("an unspecified address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0xe000, 0x0001)))
                .contains("a multicast address embedded in an IPv6 address");
    }

    @Test
    void compatibleAndNat64FormsAreRefusedAsWhatTheyCarry() {
        assertThat(AddressPolicy.refusal(address("::127.0.0.1")))
                .contains("a loopback address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(address("64:ff9b::192.168.0.1")))
                .contains("a private address embedded in an IPv6 address");
    }

    @Test
    void sixToFourFormsAreRefusedAsTheIpv4AddressTheyTunnelTo() {
        assertThat(AddressPolicy.refusal(address("2002:7f00:1::1")))
                .contains("a loopback address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(address("2002:a9fe:a9fe::")))
                .contains("a cloud metadata address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(address("2002:c0a8:101:5::9")))
                .contains("a private address embedded in an IPv6 address");
        assertThat(AddressPolicy.refusal(address("2002:808:808::1"))).isEmpty();
    }

    @Test
    void embeddedPublicAddressesPass() {
        assertThat(AddressPolicy.refusal(ipv6(0, 0, 0, 0, 0, 0xffff, 0x0808, 0x0808)))
                .isEmpty();
        assertThat(AddressPolicy.refusal(address("64:ff9b::8.8.8.8"))).isEmpty();
    }
}
