package dev.loupe.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.policy.Credentials;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Header mode's 401: upstream's text first, then which header is wrong. */
class HeaderAuthenticatorTest {

    private static final String UPSTREAM = "This server could not verify that you are authorized to access the"
            + " document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser"
            + " does not understand how to supply the credentials required.";

    private static final Map<String, String> IDENTITY =
            Map.of("X-Project-Id", "proj-a", "X-User-Id", "user-a", "X-Roles", "Admin");

    @Test
    void noIdentityStatusSaysItIsMissingAfterUpstreamsText() {
        assertThatThrownBy(() -> authenticate(IDENTITY))
                .isInstanceOfSatisfying(
                        Unauthenticated.class, e -> assertThat(e.challenge()).isNull())
                .hasMessage(UPSTREAM + "\n\nMissing header X-Identity-Status: Confirmed.");
    }

    @Test
    void anotherIdentityStatusSaysWhatItIs() {
        assertThatThrownBy(() -> authenticate(with(IDENTITY, "X-Identity-Status", "Invalid")))
                .hasMessage(UPSTREAM + "\n\nX-Identity-Status is 'Invalid', not Confirmed.");
        assertThatThrownBy(() -> authenticate(with(IDENTITY, "X-Identity-Status", "confirmed")))
                .hasMessage(UPSTREAM + "\n\nX-Identity-Status is 'confirmed', not Confirmed.");
    }

    @Test
    void aLongOrUnprintableIdentityStatusIsNotRepeated() {
        assertThatThrownBy(() -> authenticate(with(IDENTITY, "X-Identity-Status", "x".repeat(33))))
                .hasMessage(UPSTREAM + "\n\nX-Identity-Status is not Confirmed.");
        assertThatThrownBy(() -> authenticate(with(IDENTITY, "X-Identity-Status", "Confirmed\u00e9")))
                .hasMessage(UPSTREAM + "\n\nX-Identity-Status is not Confirmed.");
    }

    @Test
    void confirmedIsEnoughEvenWithoutProjectUserOrRoles() {
        // As Glance's context middleware: only X-Identity-Status is required; the policy decides the rest.
        assertThat(authenticate(Map.of("X-Identity-Status", "Confirmed")))
                .isEqualTo(new Credentials(null, null, Set.of()));
        assertThat(authenticate(with(IDENTITY, "X-Identity-Status", "Confirmed")))
                .isEqualTo(new Credentials("proj-a", "user-a", Set.of("admin")));
    }

    private static Credentials authenticate(Map<String, String> headers) {
        return new HeaderAuthenticator().authenticate(headers::get);
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> all = new HashMap<>(headers);
        all.put(name, value);
        return all;
    }
}
