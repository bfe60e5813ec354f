package dev.loupe.policy;

/**
 * Who is asking: the credentials policy rules look at, the request that asks, and whether the policy makes the
 * caller an admin ({@code context_is_admin}), who sees every project's tasks and images.
 *
 * @param requestId stored on the tasks this caller creates
 */
public record Caller(Credentials credentials, String requestId, boolean admin) {

    /** The caller's project; null when the identity carries none. */
    public String projectId() {
        return credentials.projectId();
    }

    public String userId() {
        return credentials.userId();
    }
}
