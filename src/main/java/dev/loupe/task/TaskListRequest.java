package dev.loupe.task;

import dev.loupe.compat.ListParameters;
import dev.loupe.failure.LoupeException.InvalidInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of {@code GET /v2/tasks}, checked in upstream's order with upstream's messages.
 *
 * @param limit   null when the request gave none
 * @param marker  null when the request gave none; may be empty (upstream then looks up the empty id)
 * @param sortKey as given: upstream checks it only after the marker (see {@link #sortField})
 * @param filters each field filtered on, with every value given for it (repeated parameters are ANDed)
 */
public record TaskListRequest(
        Integer limit, String marker, String sortKey, boolean ascending, Map<TaskField, List<String>> filters) {

    private static final Set<String> CONTROL = Set.of("limit", "marker", "sort_key", "sort_dir");

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
        if (marker != null && !marker.isEmpty() && !ListParameters.isUuidLike(marker)) {
            throw new InvalidInput("Invalid marker format");
        }
        Integer limit = last.containsKey("limit") ? ListParameters.limit(last.get("limit")) : null;
        Map<TaskField, List<String>> filters = new LinkedHashMap<>();
        all.forEach((key, values) -> {
            if (values.stream().anyMatch(v -> v.indexOf('\0') >= 0)) {
                // No stored value holds a NUL (PostgreSQL text cannot), so the filter could only match nothing.
                throw new InvalidInput("Invalid value for " + key + ": it contains a NUL character");
            }
            // 'deleted' is always forced to false by the service, whatever the caller asks.
            if (!CONTROL.contains(key)) {
                TaskField.named(key)
                        .filter(field -> field != TaskField.DELETED)
                        .ifPresent(field -> filters.put(field, List.copyOf(values)));
            }
        });
        return new TaskListRequest(limit, marker, sortKey, sortDir.equals("asc"), filters);
    }

    /** The field to sort by; upstream checks it only when it builds the query, after looking up the marker. */
    TaskField sortField() {
        return TaskField.named(sortKey).orElseThrow(() -> new InvalidInput("Sort key supplied was not valid."));
    }
}
