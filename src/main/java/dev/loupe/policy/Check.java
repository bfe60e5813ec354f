package dev.loupe.policy;

import java.util.Locale;

/** A parsed rule: an immutable tree, built once at load and evaluated per request. */
sealed interface Check {

    boolean test(Evaluation evaluation);

    /** {@code ""} and {@code @} (true), {@code !} (false). */
    record Constant(boolean value) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            return value;
        }
    }

    record Not(Check operand) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            return !operand.test(evaluation);
        }
    }

    record And(Check left, Check right) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            return left.test(evaluation) && right.test(evaluation);
        }
    }

    record Or(Check left, Check right) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            return left.test(evaluation) || right.test(evaluation);
        }
    }

    /** {@code rule:name}. Load refuses cycles, so following references always ends. */
    record RuleReference(String name) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            // Fails closed: the "default" fallback is only for the rule name asked about, never for a reference,
            // so a misspelt reference cannot open access when "default" is permissive.
            Check referenced = evaluation.rules().get(name);
            return referenced != null && referenced.test(evaluation);
        }
    }

    /** {@code role:name}; credentials hold roles lower-cased, and oslo compares roles without regard to case. */
    record HasRole(Operand role) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            String name = role.resolve(evaluation);
            return name != null && evaluation.creds().roles().contains(name.toLowerCase(Locale.ROOT));
        }
    }

    /** {@code project_id:%(owner)s} and the like: both sides must be present and equal. */
    record Matches(Operand left, Operand right) implements Check {
        @Override
        public boolean test(Evaluation evaluation) {
            String value = left.resolve(evaluation);
            return value != null && value.equals(right.resolve(evaluation));
        }
    }
}
