package dev.loupe.image;

import dev.loupe.policy.Credentials;

/**
 * Who is asking, as far as images care: the credentials policy rules look at, and whether the caller is an admin
 * ({@code context_is_admin}), who sees every image.
 */
public record Requester(Credentials credentials, boolean admin) {

    /** The caller's project; null when the identity carries none. */
    public String projectId() {
        return credentials.projectId();
    }
}
