package dev.loupe.image;

import dev.loupe.compat.Isotime;
import dev.loupe.compat.ListParameters;
import dev.loupe.compat.PythonInt;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.image.ImageFilter.Compare;
import dev.loupe.image.ImageFilter.HasProperty;
import dev.loupe.image.ImageFilter.HasTag;
import dev.loupe.image.ImageFilter.In;
import dev.loupe.image.ImageFilter.Nothing;
import dev.loupe.image.ImageFilter.Op;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameters of {@code GET /v2/images}, checked in upstream's order with upstream's messages
 * ({@code glance/api/v2/images.py} RequestDeserializer.index and ImagesController.index, then the conditions of
 * {@code glance/db/sqlalchemy/api.py} {@code _make_conditions_from_filters}).
 *
 * <p>Every parameter that is not a control parameter (limit, marker, member_status, tag, sort, sort_key, sort_dir)
 * is a filter, with its last value: the known attributes by their rules, any other name an extra property that must
 * have exactly that value.
 *
 * @param limit      null when the request gave none
 * @param marker     null when the request gave none
 * @param order      the sort keys, ending with upstream's tie-breakers {@code created_at} and {@code id}
 * @param visibility the {@code visibility} parameter: null when absent; "all" or a visibility (or "", which
 *                   matches nothing); the caller's scope is applied by the service
 * @param filters    the other conditions, each of which must hold
 */
public record ImageListRequest(
        Integer limit, String marker, List<SortKey> order, String visibility, List<ImageFilter> filters) {

    public ImageListRequest {
        order = List.copyOf(order);
        filters = List.copyOf(filters);
    }

    static final List<String> SORT_KEYS =
            List.of("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at");
    private static final Set<String> CONTROL =
            Set.of("limit", "marker", "member_status", "tag", "sort", "sort_key", "sort_dir");
    private static final Set<String> VISIBILITIES = Set.of("community", "public", "private", "shared", "all");
    private static final Set<String> MEMBER_STATUSES = Set.of("pending", "accepted", "rejected", "all");
    /** Attributes that take upstream's {@code in:} and {@code eq:} operators. */
    private static final Map<String, ImageField> OPERATOR_FIELDS = Map.of(
            "name",
            ImageField.NAME,
            "id",
            ImageField.ID,
            "status",
            ImageField.STATUS,
            "container_format",
            ImageField.CONTAINER_FORMAT,
            "disk_format",
            ImageField.DISK_FORMAT);

    private static final Map<String, ImageField> TIME_FIELDS =
            Map.of("created_at", ImageField.CREATED_AT, "updated_at", ImageField.UPDATED_AT);
    private static final Map<String, ImageField> NUMBER_FIELDS = Map.of(
            "size",
            ImageField.SIZE,
            "virtual_size",
            ImageField.VIRTUAL_SIZE,
            "min_disk",
            ImageField.MIN_DISK,
            "min_ram",
            ImageField.MIN_RAM);
    private static final Map<String, Op> TIME_OPERATORS =
            Map.of("eq", Op.EQ, "neq", Op.NE, "gt", Op.GT, "gte", Op.GE, "lt", Op.LT, "lte", Op.LE);
    /** Upstream's split_filter_value_for_quotes. */
    private static final Pattern QUOTED_VALUES = Pattern.compile("\"([^\"\\\\]*(?:\\\\.[^\"\\\\]*)*)\",?|([^,]+),?|,");

    /** @param params the query string's pairs, in order */
    public static ImageListRequest parse(List<Map.Entry<String, String>> params) {
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : params) {
            if (p.getKey().indexOf('\0') >= 0 || p.getValue().indexOf('\0') >= 0) {
                // No stored value holds a NUL (PostgreSQL text cannot), so such a filter could only match nothing.
                throw new InvalidInput(
                        "Invalid value for " + p.getKey().replace('\0', '?') + ": it contains a NUL character");
            }
            all.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(p.getValue());
        }
        // Upstream pops control parameters (their first value) and keeps the rest as a dict (the last value).
        Map<String, String> filters = new LinkedHashMap<>();
        all.forEach((key, values) -> {
            if (!CONTROL.contains(key)) {
                filters.put(key, values.getLast());
            }
        });

        String visibility = filters.remove("visibility");
        if (visibility != null && !visibility.isEmpty() && !VISIBILITIES.contains(visibility)) {
            throw new InvalidInput("Invalid visibility value: " + visibility);
        }
        if (filters.containsKey("changes-since")) {
            throw new InvalidInput("The \"changes-since\" filter is no longer available on v2.");
        }
        String memberStatus = first(all, "member_status");
        if (memberStatus != null && !MEMBER_STATUSES.contains(memberStatus)) {
            throw new InvalidInput("Invalid status: " + memberStatus);
        }
        String marker = first(all, "marker");
        String limitText = first(all, "limit");
        Integer limit = limitText == null ? null : ListParameters.limit(limitText);
        List<String> tags =
                all.getOrDefault("tag", List.of()).stream().map(String::strip).toList();
        List<SortKey> order = order(all);

        String osHidden = filters.getOrDefault("os_hidden", "false").toLowerCase(Locale.ROOT);
        if (!osHidden.equals("true") && !osHidden.equals("false")) {
            throw new InvalidInput("Invalid value '" + osHidden + "' for 'os_hidden' filter. Valid values are"
                    + " 'true' or 'false'.");
        }
        String isProtected = filters.get("protected");
        if (isProtected != null && !isProtected.equals("true") && !isProtected.equals("false")) {
            throw new InvalidInput("Invalid value '" + isProtected + "' for 'protected' filter. Valid values are"
                    + " 'true' or 'false'.");
        }
        // The controller forces deleted=false whatever the caller asked; the repository lists live images only.
        filters.remove("deleted");
        filters.remove("os_hidden");

        List<ImageFilter> conditions = new ArrayList<>();
        conditions.add(ImageFilter.eq(ImageField.OS_HIDDEN, osHidden.equals("true")));
        for (String exact : List.of("checksum", "os_hash_value")) {
            String value = filters.remove(exact);
            if (value != null) {
                conditions.add(ImageFilter.eq(
                        exact.equals("checksum") ? ImageField.CHECKSUM : ImageField.OS_HASH_VALUE, value));
            }
        }
        tags.forEach(tag -> conditions.add(new HasTag(tag)));
        filters.forEach((key, value) -> conditions.add(condition(key, value)));
        return new ImageListRequest(limit, marker, order, visibility, conditions);
    }

    private static String first(Map<String, List<String>> all, String key) {
        List<String> values = all.get(key);
        return values == null ? null : values.getFirst();
    }

    private static ImageFilter condition(String key, String value) {
        if (key.endsWith("_min") || key.endsWith("_max")) {
            return range(key, value);
        }
        ImageField time = TIME_FIELDS.get(key);
        if (time != null) {
            return time(key, time, value);
        }
        ImageField operated = OPERATOR_FIELDS.get(key);
        if (operated != null) {
            return operated(operated, value);
        }
        ImageField number = NUMBER_FIELDS.get(key);
        if (number != null) {
            // Compared with an integer column: text that is no integer matches nothing.
            return PythonInt.parse(value)
                    .<ImageFilter>map(v -> ImageFilter.eq(number, PythonInt.clamp(v)))
                    .orElse(new Nothing());
        }
        return switch (key) {
            case "owner" -> ImageFilter.eq(ImageField.OWNER, value);
            case "os_hash_algo" -> ImageFilter.eq(ImageField.OS_HASH_ALGO, value);
            case "protected" -> ImageFilter.eq(ImageField.PROTECTED, value.equals("true"));
            // Listed images are live, so their deleted_at is null and equals nothing.
            case "deleted_at" -> new Nothing();
            default -> new HasProperty(key, value);
        };
    }

    /** {@code size_min=N}, {@code size_max=N}: bounds, inclusive, on a numeric attribute. */
    private static ImageFilter range(String key, String value) {
        BigInteger bound = PythonInt.parse(value)
                .orElseThrow(() -> new InvalidInput("Unable to filter on a range with a non-numeric value."));
        String attribute = key.substring(0, key.length() - 4);
        ImageField field = NUMBER_FIELDS.get(attribute);
        if (field == null) {
            throw new InvalidInput("Unable to filter on a range of '" + attribute + "': only size, virtual_size,"
                    + " min_disk and min_ram have ranges.");
        }
        return new Compare(field, key.endsWith("_min") ? Op.GE : Op.LE, PythonInt.clamp(bound));
    }

    /** {@code created_at=gte:2026-11-26T18:00:00Z}; no operator means {@code eq}. */
    private static ImageFilter time(String key, ImageField field, String value) {
        String[] split = splitOperator(value);
        Instant threshold = Isotime.parseIso8601(split[1])
                .orElseThrow(() ->
                        new InvalidInput("Bad \"" + key + "\" query filter format. Use ISO 8601 DateTime notation."));
        Op op = TIME_OPERATORS.get(split[0]);
        if (op == null) {
            throw new InvalidInput("Unable to filter on a unknown operator.");
        }
        return new Compare(field, op, threshold);
    }

    /** {@code name=in:a,"b,c"} or {@code name=eq:a} or {@code name=a}. */
    private static ImageFilter operated(ImageField field, String value) {
        String[] split = splitOperator(value);
        return switch (split[0]) {
            case "in" -> new In(field, splitQuoted(split[1]));
            case "eq" -> ImageFilter.eq(field, split[1]);
            default -> throw new InvalidInput("Unable to filter by unknown operator '" + split[0] + "'.");
        };
    }

    /** Upstream's split_filter_op: {@code op:value}, unless the whole expression is an ISO 8601 time. */
    private static String[] splitOperator(String expression) {
        int colon = expression.indexOf(':');
        if (colon < 0 || Isotime.parseIso8601(expression).isPresent()) {
            return new String[] {"eq", expression};
        }
        return new String[] {expression.substring(0, colon), expression.substring(colon + 1)};
    }

    /** Upstream's validate_quotes and split_filter_value_for_quotes for the {@code in:} operator. */
    static List<String> splitQuoted(String value) {
        boolean opening = true;
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) != '"' || i > 0 && value.charAt(i - 1) == '\\') {
                continue;
            }
            if (opening && i > 0 && value.charAt(i - 1) != ',') {
                throw new InvalidInput(
                        "Invalid filter value " + value + ". There is no comma before opening" + " quotation mark.");
            }
            if (!opening && i + 1 != value.length() && value.charAt(i + 1) != ',') {
                throw new InvalidInput(
                        "Invalid filter value " + value + ". There is no comma after closing" + " quotation mark.");
            }
            opening = !opening;
        }
        if (!opening) {
            throw new InvalidInput("Invalid filter value " + value + ". The quote is not closed.");
        }
        List<String> values = new ArrayList<>();
        Matcher m = QUOTED_VALUES.matcher(value);
        while (m.find()) {
            values.add(Optional.ofNullable(m.group(1))
                    .filter(s -> !s.isEmpty())
                    .orElse(m.group(2) == null ? "" : m.group(2)));
        }
        return values;
    }

    /**
     * The sort: {@code sort=key:dir,...}, or repeated {@code sort_key} with one {@code sort_dir} for all or one
     * each; default {@code created_at desc}. Upstream then appends {@code created_at} and {@code id} unless present,
     * in the one direction given (or desc when there were several).
     */
    private static List<SortKey> order(Map<String, List<String>> all) {
        List<String> keys = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        if (all.containsKey("sort")) {
            if (all.containsKey("sort_key") || all.containsKey("sort_dir")) {
                throw new InvalidInput("Old and new sorting syntax cannot be combined");
            }
            for (String piece : first(all, "sort").strip().split(",", -1)) {
                int colon = piece.indexOf(':');
                String key = colon < 0 ? piece : piece.substring(0, colon);
                String dir = colon < 0 || colon == piece.length() - 1 ? "desc" : piece.substring(colon + 1);
                keys.add(sortKey(key.strip()));
                dirs.add(sortDir(dir.strip()));
            }
        } else {
            all.getOrDefault("sort_key", List.of()).forEach(k -> keys.add(sortKey(k.strip())));
            all.getOrDefault("sort_dir", List.of()).forEach(d -> dirs.add(sortDir(d.strip())));
            if (dirs.size() > 1 && dirs.size() != keys.size()) {
                throw new InvalidInput("Number of sort dirs does not match the number of sort keys");
            }
        }
        if (keys.isEmpty()) {
            keys.add("created_at");
        }
        if (dirs.isEmpty()) {
            dirs.add("desc");
        }
        String defaultDir = dirs.size() == 1 ? dirs.getFirst() : "desc";
        while (dirs.size() < keys.size()) {
            dirs.add(defaultDir);
        }
        for (String tieBreaker : List.of("created_at", "id")) {
            if (!keys.contains(tieBreaker)) {
                keys.add(tieBreaker);
                dirs.add(defaultDir);
            }
        }
        List<SortKey> order = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            order.add(new SortKey(field(keys.get(i)), dirs.get(i).equals("asc")));
        }
        return order;
    }

    private static String sortKey(String key) {
        if (!SORT_KEYS.contains(key)) {
            throw new InvalidInput("Invalid sort key: " + key + ". It must be one of the following: "
                    + String.join(", ", SORT_KEYS) + ".");
        }
        return key;
    }

    private static String sortDir(String dir) {
        if (!dir.equals("asc") && !dir.equals("desc")) {
            throw new InvalidInput("Invalid sort direction: " + dir);
        }
        return dir;
    }

    private static ImageField field(String key) {
        for (ImageField field : ImageField.values()) {
            if (field.column().equals(key)) {
                return field;
            }
        }
        throw new IllegalArgumentException("not a sort key: " + key);
    }
}
