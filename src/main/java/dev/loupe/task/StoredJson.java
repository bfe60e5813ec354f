package dev.loupe.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * A task's JSON value (its input or result), as a tree, and as the text it was stored as when it was read from the
 * database. A show answers with the stored text copied as it is when writing the tree again would give the same
 * bytes ({@link #canonicalText()}); the tree is then never built. Values are equal when their trees are.
 */
public final class StoredJson {

    /**
     * Longer texts are parsed and written as before: the copy is for the common small values, and no key or string
     * within the bound comes near Jackson's own limits on them.
     */
    static final int MAX_COPIED_CHARS = 16 * 1024;

    private static final int MAX_DEPTH = 32;
    private static final int MAX_KEYS = 64;
    private static final int MAX_DIGITS = 100;

    private final String text;
    private final ObjectMapper json;
    private volatile JsonNode node;
    /** 0: not checked yet; 1: canonical; -1: not canonical. */
    private volatile int canonical;

    private StoredJson(String text, ObjectMapper json, JsonNode node) {
        this.text = text;
        this.json = json;
        this.node = node;
    }

    /** A value built in memory: it has no stored text. Null for none. */
    public static StoredJson of(JsonNode node) {
        return node == null ? null : new StoredJson(null, null, node);
    }

    /** A value read from the database, parsed now; null for none. */
    static StoredJson parsed(String text, ObjectMapper json) {
        if (text == null) {
            return null;
        }
        StoredJson stored = new StoredJson(text, json, null);
        stored.node();
        return stored;
    }

    /** A value read from the database, parsed only when its tree is first asked for; null for none. */
    static StoredJson stored(String text, ObjectMapper json) {
        return text == null ? null : new StoredJson(text, json, null);
    }

    /** The tree; the stored text is parsed on the first call. */
    public JsonNode node() {
        JsonNode tree = node;
        if (tree == null) {
            try {
                tree = json.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("task details in the database are not JSON", e);
            }
            node = tree;
        }
        return tree;
    }

    /**
     * The stored text when writing its tree with Loupe's JSON generator (compact, non-ASCII as is) gives exactly
     * this text, so the text can go out as it is; null when it may not (a value built in memory, or a text outside
     * the forms checked: whitespace, floats, escapes other than {@code \" \\ \n \r \t}, duplicate keys, ...).
     */
    public String canonicalText() {
        if (text == null) {
            return null;
        }
        int known = canonical;
        if (known == 0) {
            known = isCanonical(text) ? 1 : -1;
            canonical = known;
        }
        return known == 1 ? text : null;
    }

    /**
     * Whether the text is one JSON value that Jackson reads (with Loupe's settings) into a tree it writes back as
     * the same characters: compact (no whitespace), integers only and without a sign on zero or leading zeros,
     * strings whose only escapes are the ones Jackson writes ({@code \" \\ \n \r \t}) and no other control
     * character or lone surrogate, objects without a repeated key. Bounded in depth, keys per object, digits and
     * length, well inside Jackson's own limits, so a text it would refuse is never copied.
     */
    static boolean isCanonical(String text) {
        if (text.isEmpty() || text.length() > MAX_COPIED_CHARS) {
            return false;
        }
        int end = new Checker(text).value(0, 0);
        return end == text.length();
    }

    /** A recursive descent over the text; each method returns the index after what it read, or -1. */
    private static final class Checker {
        private final String s;
        private final int n;

        Checker(String s) {
            this.s = s;
            this.n = s.length();
        }

        int value(int i, int depth) {
            if (i >= n) {
                return -1;
            }
            char c = s.charAt(i);
            return switch (c) {
                case '{' -> depth >= MAX_DEPTH ? -1 : object(i + 1, depth + 1);
                case '[' -> depth >= MAX_DEPTH ? -1 : array(i + 1, depth + 1);
                case '"' -> string(i + 1);
                case 't' -> literal(i, "true");
                case 'f' -> literal(i, "false");
                case 'n' -> literal(i, "null");
                default -> c == '-' || c >= '0' && c <= '9' ? integer(i) : -1;
            };
        }

        private int literal(int i, String word) {
            return s.startsWith(word, i) ? i + word.length() : -1;
        }

        private int integer(int i) {
            int start = i;
            if (s.charAt(i) == '-') {
                i++;
            }
            int digits = i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            int count = i - digits;
            if (count == 0 || count > MAX_DIGITS) {
                return -1;
            }
            if (s.charAt(digits) == '0' && (count > 1 || digits > start)) {
                return -1; // leading zero, or -0 (read as 0)
            }
            if (i < n && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                return -1; // a float: written back in Java's form, not necessarily as stored
            }
            return i;
        }

        /** From after the opening quote to after the closing one. */
        private int string(int i) {
            while (i < n) {
                char c = s.charAt(i);
                if (c == '"') {
                    return i + 1;
                }
                if (c == '\\') {
                    if (i + 1 >= n) {
                        return -1;
                    }
                    char e = s.charAt(i + 1);
                    if (e != '"' && e != '\\' && e != 'n' && e != 'r' && e != 't') {
                        return -1;
                    }
                    i += 2;
                } else if (c < 0x20 || Character.isSurrogate(c)) {
                    return -1;
                } else {
                    i++;
                }
            }
            return -1;
        }

        private int array(int i, int depth) {
            if (i < n && s.charAt(i) == ']') {
                return i + 1;
            }
            while (true) {
                i = value(i, depth);
                if (i < 0 || i >= n) {
                    return -1;
                }
                char c = s.charAt(i);
                if (c == ']') {
                    return i + 1;
                }
                if (c != ',') {
                    return -1;
                }
                i++;
            }
        }

        private int object(int i, int depth) {
            if (i < n && s.charAt(i) == '}') {
                return i + 1;
            }
            int[] keys = new int[8];
            int count = 0;
            while (true) {
                if (i >= n || s.charAt(i) != '"' || count == MAX_KEYS) {
                    return -1;
                }
                int keyStart = i;
                i = string(i + 1);
                if (i < 0 || i >= n || s.charAt(i) != ':') {
                    return -1;
                }
                // Keys are compared as written: each string has one written form here, so equal text is an equal key.
                for (int k = 0; k < count; k++) {
                    int otherStart = keys[2 * k];
                    int otherLength = keys[2 * k + 1];
                    if (otherLength == i - keyStart && s.regionMatches(otherStart, s, keyStart, otherLength)) {
                        return -1;
                    }
                }
                if (2 * count + 1 >= keys.length) {
                    keys = java.util.Arrays.copyOf(keys, keys.length * 2);
                }
                keys[2 * count] = keyStart;
                keys[2 * count + 1] = i - keyStart;
                count++;
                i = value(i + 1, depth);
                if (i < 0 || i >= n) {
                    return -1;
                }
                char c = s.charAt(i);
                if (c == '}') {
                    return i + 1;
                }
                if (c != ',') {
                    return -1;
                }
                i++;
            }
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StoredJson that && node().equals(that.node());
    }

    @Override
    public int hashCode() {
        return node().hashCode();
    }

    @Override
    public String toString() {
        return text != null ? text : Objects.toString(node);
    }
}
