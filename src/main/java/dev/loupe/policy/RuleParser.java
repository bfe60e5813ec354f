package dev.loupe.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses oslo.policy rule strings. Grammar, with oslo's precedence ({@code not} over {@code and} over {@code or}):
 *
 * <pre>
 * or      = and { "or" and }
 * and     = not { "and" not }
 * not     = "not" not | primary
 * primary = "(" or ")" | check
 * </pre>
 *
 * Where oslo quietly turns a malformed rule into "deny", this throws, so operators find mistakes at start.
 */
final class RuleParser {

    private enum Kind {
        OPEN,
        CLOSE,
        AND,
        OR,
        NOT,
        CHECK
    }

    private record Token(Kind kind, String text) {}

    private static final Token OPEN = new Token(Kind.OPEN, "(");
    private static final Token CLOSE = new Token(Kind.CLOSE, ")");

    /** Only a whole {@code %(key)s}: oslo would format arbitrary text around it, which no Glance rule needs. */
    private static final Pattern TARGET_KEY = Pattern.compile("%\\(([^)]+)\\)s");

    private final List<Token> tokens;
    private int next;

    private RuleParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Check parse(String text) {
        // Only the truly empty string means "always"; whitespace alone is an empty expression, as in oslo.
        if (text.isEmpty()) {
            return new Check.Constant(true);
        }
        RuleParser parser = new RuleParser(tokenize(text));
        Check check = parser.or();
        if (parser.next < parser.tokens.size()) {
            throw new RuleSyntaxException("unexpected " + parser.describeNext());
        }
        return check;
    }

    /**
     * Splits on whitespace, then peels parentheses off the ends of each word, as oslo's tokenizer does; so
     * {@code (role:a or role:b)} needs no spaces inside its parentheses.
     */
    private static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        for (String word : text.split("\\s+")) {
            int start = 0;
            while (start < word.length() && word.charAt(start) == '(') {
                tokens.add(OPEN);
                start++;
            }
            int end = word.length();
            while (end > start && word.charAt(end - 1) == ')') {
                end--;
            }
            if (end > start) {
                tokens.add(word(word.substring(start, end)));
            }
            for (int i = end; i < word.length(); i++) {
                tokens.add(CLOSE);
            }
        }
        return tokens;
    }

    private static Token word(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "and" -> new Token(Kind.AND, text);
            case "or" -> new Token(Kind.OR, text);
            case "not" -> new Token(Kind.NOT, text);
            default -> new Token(Kind.CHECK, text);
        };
    }

    private Check or() {
        Check check = and();
        while (accept(Kind.OR)) {
            check = new Check.Or(check, and());
        }
        return check;
    }

    private Check and() {
        Check check = not();
        while (accept(Kind.AND)) {
            check = new Check.And(check, not());
        }
        return check;
    }

    private Check not() {
        return accept(Kind.NOT) ? new Check.Not(not()) : primary();
    }

    private Check primary() {
        if (accept(Kind.OPEN)) {
            Check check = or();
            if (!accept(Kind.CLOSE)) {
                throw new RuleSyntaxException("expected ')' but found " + describeNext());
            }
            return check;
        }
        if (next == tokens.size() || tokens.get(next).kind() != Kind.CHECK) {
            throw new RuleSyntaxException("expected a check but found " + describeNext());
        }
        return check(tokens.get(next++).text());
    }

    private boolean accept(Kind kind) {
        if (next < tokens.size() && tokens.get(next).kind() == kind) {
            next++;
            return true;
        }
        return false;
    }

    private String describeNext() {
        return next == tokens.size()
                ? "the end of the rule"
                : "'" + tokens.get(next).text() + "'";
    }

    private static Check check(String text) {
        if (text.equals("@") || text.equals("!")) {
            return new Check.Constant(text.equals("@"));
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new RuleSyntaxException("'" + text + "' is not a check: expected kind:value, '@' or '!'");
        }
        String kind = text.substring(0, colon);
        String match = text.substring(colon + 1);
        return switch (kind) {
            case "rule" -> new Check.RuleReference(match);
            // oslo reaches "roles" through its generic check against the role list; for Loupe it is the same test.
            case "role", "roles" -> new Check.HasRole(matchSide(match));
            // Denying silently would hide that Loupe never calls out to a remote policy server.
            case "http", "https" ->
                throw new RuleSyntaxException("'" + text + "': remote http checks are not supported");
            default -> new Check.Matches(credentialSide(kind), matchSide(match));
        };
    }

    /** oslo reads a quoted kind as a literal, which is how Glance writes {@code 'public':%(visibility)s}. */
    private static Operand credentialSide(String kind) {
        return isQuoted(kind) ? new Operand.Literal(unquote(kind)) : new Operand.CredentialValue(kind);
    }

    private static Operand matchSide(String match) {
        // oslo keeps quotes on this side, so a quoted value could never match there; Loupe takes the quotes off.
        if (isQuoted(match)) {
            return new Operand.Literal(unquote(match));
        }
        Matcher targetKey = TARGET_KEY.matcher(match);
        if (targetKey.matches()) {
            return new Operand.TargetValue(targetKey.group(1));
        }
        if (match.contains("%(")) {
            throw new RuleSyntaxException("'" + match + "': a target attribute must be written whole, as %(key)s");
        }
        return new Operand.Literal(match);
    }

    private static boolean isQuoted(String text) {
        return text.length() >= 2
                && (text.charAt(0) == '\'' || text.charAt(0) == '"')
                && text.charAt(text.length() - 1) == text.charAt(0);
    }

    private static String unquote(String text) {
        return text.substring(1, text.length() - 1);
    }
}
