package dev.loupe.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.policy.Credentials;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** The two Keystone v3 calls token validation needs: issue the service token, validate a subject token. */
final class KeystoneClient {

    private static final MediaType JSON = MediaType.get("application/json");

    private final KeystoneSettings settings;
    private final OkHttpClient http;
    private final ObjectMapper json;

    KeystoneClient(KeystoneSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(settings.timeout())
                .readTimeout(settings.timeout())
                .callTimeout(settings.timeout().multipliedBy(3))
                .build();
    }

    /** A token, and until when it holds. */
    record Token(String id, Credentials credentials, Instant expiresAt) {}

    /** Signals Keystone refusing Loupe's own service token (401): it must be renewed. */
    static final class ServiceTokenRefused extends Exception {
        private static final long serialVersionUID = 1L;

        ServiceTokenRefused(String message) {
            super(message);
        }
    }

    /** Keystone gave no usable answer (unreachable, an error status, an unreadable body): why, in one phrase. */
    static final class Unanswered extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unanswered(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /** Keystone refused the password authentication of Loupe's service user (401 or 403): a configuration error. */
    static final class ServiceUserRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        ServiceUserRefused(int status) {
            super("Keystone refused Loupe's service user (HTTP " + status + ")");
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /**
     * Password authentication of Loupe's service user, scoped to its project.
     *
     * @throws ServiceUserRefused when Keystone refuses the user (wrong name, password, project or domain)
     * @throws Unanswered         when Keystone cannot be reached or answers anything else
     */
    Token issueServiceToken() {
        ObjectNode body = json.createObjectNode();
        ObjectNode auth = body.putObject("auth");
        ObjectNode identity = auth.putObject("identity");
        identity.putArray("methods").add("password");
        ObjectNode user = identity.putObject("password").putObject("user");
        user.put("name", settings.username()).put("password", settings.password());
        user.putObject("domain").put("name", settings.userDomainName());
        ObjectNode project = auth.putObject("scope").putObject("project");
        project.put("name", settings.projectName());
        project.putObject("domain").put("name", settings.projectDomainName());
        Request request = new Request.Builder()
                .url(settings.identityUrl() + "/v3/auth/tokens")
                .post(RequestBody.create(body.toString(), JSON))
                .build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() == 401 || response.code() == 403) {
                throw new ServiceUserRefused(response.code());
            }
            if (response.code() != 201) {
                throw new Unanswered(
                        "Keystone answered HTTP " + response.code() + " when asked for Loupe's service token", null);
            }
            String id = response.header("X-Subject-Token");
            return token(id, json.readTree(response.body().byteStream()));
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /**
     * Asks Keystone about {@code subject}.
     *
     * @return the token, or empty when Keystone says it is not a valid token (malformed, expired, revoked)
     * @throws Unanswered when Keystone cannot be reached or answers with an error
     */
    Optional<Token> validate(String serviceToken, String subject) throws ServiceTokenRefused {
        Request request = new Request.Builder()
                .url(settings.identityUrl() + "/v3/auth/tokens?nocatalog")
                .header("X-Auth-Token", serviceToken)
                .header("X-Subject-Token", subject)
                .build();
        try (Response response = http.newCall(request).execute()) {
            switch (response.code()) {
                case 200 -> {
                    return Optional.of(
                            token(subject, json.readTree(response.body().byteStream())));
                }
                case 404 -> {
                    return Optional.empty();
                }
                case 401 -> throw new ServiceTokenRefused("Keystone refused Loupe's service token");
                default ->
                    throw new Unanswered(
                            "Keystone answered HTTP " + response.code() + " when asked to validate a token", null);
            }
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    private static Token token(String id, JsonNode body) {
        JsonNode token = body.path("token");
        Set<String> roles = new HashSet<>();
        for (JsonNode role : token.path("roles")) {
            roles.add(role.path("name").asText().toLowerCase(Locale.ROOT));
        }
        String project = token.path("project").path("id").textValue();
        String user = token.path("user").path("id").textValue();
        Instant expiresAt;
        try {
            expiresAt = Instant.parse(token.path("expires_at").asText());
        } catch (DateTimeParseException e) {
            throw new Unanswered("Keystone's answer has no readable expires_at", e);
        }
        return new Token(
                id,
                new Credentials(
                        HeaderAuthenticator.bounded("The token's project id", project),
                        HeaderAuthenticator.bounded("The token's user id", user),
                        roles),
                expiresAt);
    }

    private Unanswered unreachable(IOException e) {
        return new Unanswered("Keystone at " + settings.identityUrl() + " could not be reached: " + e.getMessage(), e);
    }
}
