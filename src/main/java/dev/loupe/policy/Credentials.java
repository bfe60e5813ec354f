package dev.loupe.policy;

import java.util.Set;

/** What a policy rule may look at about the caller: roles are already lower-cased. */
public record Credentials(String projectId, String userId, Set<String> roles) {
    public Credentials {
        roles = Set.copyOf(roles);
    }
}
