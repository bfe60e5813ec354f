package dev.loupe.task;

import dev.loupe.LoupeException.InvalidInput;

import java.math.BigInteger;

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

    /** Python's {@code int()} on the text, with upstream's two messages; a huge positive limit is simply capped. */
    public static int parseLimit(String text) {
        BigInteger value = PythonInt.parse(text)
                .orElseThrow(() -> new InvalidInput("limit param must be an integer"));
        if (value.signum() < 0) {
            throw new InvalidInput("limit param must be positive");
        }
        return (int) Math.min(PythonInt.clamp(value), Integer.MAX_VALUE);
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
