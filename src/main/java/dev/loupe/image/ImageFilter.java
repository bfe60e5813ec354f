package dev.loupe.image;

import java.util.List;
import java.util.Objects;

/**
 * One condition a listed image must meet. A list's conditions are ANDed; SQL's rules for NULL apply, so a comparison
 * with a column that is null never holds, as in upstream's query.
 */
public sealed interface ImageFilter {

    enum Op {
        EQ("="),
        NE("!="),
        LT("<"),
        LE("<="),
        GT(">"),
        GE(">=");

        private final String sql;

        Op(String sql) {
            this.sql = sql;
        }

        public String sql() {
            return sql;
        }
    }

    /** {@code field op value}; the value's type follows the field's {@link ImageField.Kind}. */
    record Compare(ImageField field, Op op, Object value) implements ImageFilter {
        public Compare {
            Objects.requireNonNull(value, "value");
            Class<?> expected = switch (field.kind()) {
                case TEXT -> String.class;
                case INTEGER -> Long.class;
                case BOOLEAN -> Boolean.class;
                case TIME -> java.time.Instant.class;
            };
            if (!expected.isInstance(value)) {
                throw new IllegalArgumentException(field + " compares with a " + expected.getSimpleName());
            }
        }
    }

    /** A text field is one of the values (none: nothing matches). */
    record In(ImageField field, List<String> values) implements ImageFilter {
        public In {
            values = List.copyOf(values);
        }
    }

    /** The image has this tag. */
    record HasTag(String tag) implements ImageFilter {}

    /** The image has this extra property with exactly this value. */
    record HasProperty(String name, String value) implements ImageFilter {}

    /** At least one of the conditions holds (none: nothing matches). */
    record AnyOf(List<ImageFilter> filters) implements ImageFilter {
        public AnyOf {
            filters = List.copyOf(filters);
        }
    }

    /** No image matches. */
    record Nothing() implements ImageFilter {}

    static ImageFilter eq(ImageField field, Object value) {
        return new Compare(field, Op.EQ, value);
    }
}
