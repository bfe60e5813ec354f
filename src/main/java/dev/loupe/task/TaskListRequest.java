package dev.loupe.task;

import dev.loupe.LoupeException.InvalidInput;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parameters of {@code GET /v2/tasks}, checked in upstream's order with upstream's messages.
 *
 * @param limit   null when the request gave none
 * @param marker  null when the request gave none; may be empty (upstream then looks up the empty id)
 * @param filters column name to every value given for it (repeated parameters are ANDed)
 */
public record TaskListRequest(Integer limit, String marker, String sortKey, boolean ascending,
                              Map<String, List<String>> filters) {

    /** Columns of the tasks table: each may be a sort key and, as a query parameter, an equality filter. */
    static final Set<String> COLUMNS = Set.of("id", "type", "status", "owner", "expires_at", "image_id",
            "request_id", "user_id", "created_at", "updated_at", "deleted_at", "deleted");
    private static final Set<String> CONTROL = Set.of("limit", "marker", "sort_key", "sort_dir");
    /** Digits of any script, as Python's int() takes them. */
    private static final Pattern PY_INT = Pattern.compile("[+-]?\\d+(_\\d+)*", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");

    /** @param params the query string's pairs, in order; for a parameter given twice the last one counts */
    public static TaskListRequest parse(List<Map.Entry<String, String>> params) {
        Map<String, String> last = new LinkedHashMap<>();
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : params) {
            last.put(p.getKey(), p.getValue());
            all.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(p.getValue());
        }
        String sortKey = last.getOrDefault("sort_key", "created_at");
        String sortDir = last.getOrDefault("sort_dir", "desc");
        if (!sortDir.equals("asc") && !sortDir.equals("desc")) {
            throw new InvalidInput("Invalid sort direction: " + sortDir);
        }
        String status = last.get("status");
        if (status != null && !status.isEmpty() && TaskStatus.fromWire(status).isEmpty()) {
            throw new InvalidInput("Invalid status value: " + status);
        }
        String type = last.get("type");
        if (type != null && !type.isEmpty() && !type.equals(TaskType.IMPORT.wire())) {
            throw new InvalidInput("Invalid type value: " + type);
        }
        String marker = last.get("marker");
        if (marker != null && !marker.isEmpty() && !isUuidLike(marker)) {
            throw new InvalidInput("Invalid marker format");
        }
        Integer limit = last.containsKey("limit") ? parseLimit(last.get("limit")) : null;
        Map<String, List<String>> filters = new LinkedHashMap<>();
        all.forEach((key, values) -> {
            if (values.stream().anyMatch(v -> v.indexOf('\0') >= 0)) {
                // No stored value holds a NUL (PostgreSQL text cannot), so the filter could only match nothing.
                throw new InvalidInput("Invalid value for " + key + ": it contains a NUL character");
            }
            // 'deleted' is always forced to false by the service, whatever the caller asks.
            if (!CONTROL.contains(key) && COLUMNS.contains(key) && !key.equals("deleted")) {
                filters.put(key, List.copyOf(values));
            }
        });
        return new TaskListRequest(limit, marker, sortKey, sortDir.equals("asc"), filters);
    }

    /** Upstream checks the sort key only when it builds the query, after looking up the marker. */
    void requireValidSortKey() {
        if (!COLUMNS.contains(sortKey)) {
            throw new InvalidInput("Sort key supplied was not valid.");
        }
    }

    /**
     * Python's {@code int()} on the text: surrounding white space (Unicode's too), a sign, digit-group
     * underscores and decimal digits of any script are fine.
     */
    private static int parseLimit(String text) {
        String t = stripPythonWhitespace(text);
        if (!PY_INT.matcher(t).matches()) {
            throw new InvalidInput("limit param must be an integer");
        }
        StringBuilder ascii = new StringBuilder();
        t.codePoints().forEach(cp -> {
            if (cp == '-') {
                ascii.append('-');
            } else if (Character.isDigit(cp)) {
                ascii.append(Character.digit(cp, 10));
            }
        });
        long value;
        try {
            value = Long.parseLong(ascii.toString());
        } catch (NumberFormatException e) {
            // More digits than a long holds: a huge positive limit is simply capped, a huge negative refused.
            value = t.startsWith("-") ? -1 : Integer.MAX_VALUE;
        }
        if (value < 0) {
            throw new InvalidInput("limit param must be positive");
        }
        return (int) Math.min(value, Integer.MAX_VALUE);
    }

    private static String stripPythonWhitespace(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isPythonSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /** Python's str.isspace(): Java's white space plus the no-break spaces and NEL. */
    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** oslo's is_uuid_like: upper case, missing hyphens, braces and a urn:uuid: prefix are all accepted. */
    static boolean isUuidLike(String value) {
        String v = value.replace("urn:", "").replace("uuid:", "");
        while (v.startsWith("{")) {
            v = v.substring(1);
        }
        while (v.endsWith("}")) {
            v = v.substring(0, v.length() - 1);
        }
        return HEX32.matcher(v.replace("-", "").toLowerCase(Locale.ROOT)).matches();
    }
}
