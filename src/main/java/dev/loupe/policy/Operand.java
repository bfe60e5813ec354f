package dev.loupe.policy;

/** One side of a {@code kind:match} comparison. */
sealed interface Operand {

    /** The value to compare, or null when the caller or target has none, which makes the comparison fail. */
    String resolve(Evaluation evaluation);

    record Literal(String value) implements Operand {
        @Override
        public String resolve(Evaluation evaluation) {
            return value;
        }
    }

    /** A target attribute written {@code %(key)s}; a missing key fails the check, as oslo's KeyError does. */
    record TargetValue(String key) implements Operand {
        @Override
        public String resolve(Evaluation evaluation) {
            return evaluation.target().get(key);
        }
    }

    /**
     * A caller attribute. Loupe's credentials carry fewer attributes than Keystone's, so other keys that Glance
     * policy files legitimately use (system_scope, domain_id, ...) resolve to null and fail rather than being refused.
     */
    record CredentialValue(String key) implements Operand {
        @Override
        public String resolve(Evaluation evaluation) {
            return switch (key) {
                case "project_id" -> evaluation.creds().projectId();
                case "user_id" -> evaluation.creds().userId();
                default -> null;
            };
        }
    }
}
