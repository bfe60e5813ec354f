package dev.loupe.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.image.ImageFilter.Compare;
import dev.loupe.image.ImageFilter.HasProperty;
import dev.loupe.image.ImageFilter.HasTag;
import dev.loupe.image.ImageFilter.In;
import dev.loupe.image.ImageFilter.Nothing;
import dev.loupe.image.ImageFilter.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parameters of {@code GET /v2/images}: upstream's defaults, sort expansion, filters and their messages. */
class ImageListRequestTest {

    private static ImageListRequest parse(String... keysAndValues) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            pairs.add(Map.entry(keysAndValues[i], keysAndValues[i + 1]));
        }
        return ImageListRequest.parse(pairs);
    }

    private static void refused(String message, String... keysAndValues) {
        assertThatThrownBy(() -> parse(keysAndValues))
                .isInstanceOf(InvalidInput.class)
                .hasMessage(message);
    }

    private static SortKey asc(ImageField field) {
        return new SortKey(field, true);
    }

    private static SortKey desc(ImageField field) {
        return new SortKey(field, false);
    }

    @Test
    void defaultsAreNewestFirstAndVisibleImagesOnly() {
        ImageListRequest r = parse();
        assertThat(r.limit()).isNull();
        assertThat(r.marker()).isNull();
        assertThat(r.visibility()).isNull();
        assertThat(r.order()).containsExactly(desc(ImageField.CREATED_AT), desc(ImageField.ID));
        assertThat(r.filters()).containsExactly(new Compare(ImageField.OS_HIDDEN, Op.EQ, false));
    }

    @Test
    void oneDirectionAppliesToEveryKeyAndTheTieBreakers() {
        assertThat(parse("sort_key", "name", "sort_key", "size", "sort_dir", "asc")
                        .order())
                .containsExactly(
                        asc(ImageField.NAME), asc(ImageField.SIZE), asc(ImageField.CREATED_AT), asc(ImageField.ID));
        assertThat(parse("sort_dir", "asc").order()).containsExactly(asc(ImageField.CREATED_AT), asc(ImageField.ID));
    }

    @Test
    void severalDirectionsLeaveTheTieBreakersDescending() {
        assertThat(parse("sort_key", "name", "sort_key", "id", "sort_dir", "asc", "sort_dir", "asc")
                        .order())
                .containsExactly(asc(ImageField.NAME), asc(ImageField.ID), desc(ImageField.CREATED_AT));
        assertThat(parse("sort", "size:asc, name").order())
                .containsExactly(
                        asc(ImageField.SIZE), desc(ImageField.NAME), desc(ImageField.CREATED_AT), desc(ImageField.ID));
    }

    @Test
    void newSyntaxDefaultsEachDirectionToDescAndStripsSpaces() {
        assertThat(parse("sort", " created_at : asc ").order())
                .containsExactly(asc(ImageField.CREATED_AT), asc(ImageField.ID));
        assertThat(parse("sort", "status:").order())
                .containsExactly(desc(ImageField.STATUS), desc(ImageField.CREATED_AT), desc(ImageField.ID));
        refused(
                "Invalid sort key: . It must be one of the following: name, status, container_format,"
                        + " disk_format, size, id, created_at, updated_at.",
                "sort",
                "name,");
    }

    @Test
    void controlParametersTakeTheFirstValueFiltersTheLast() {
        ImageListRequest r =
                parse("limit", "1", "marker", "m1", "name", "a", "limit", "2", "marker", "m2", "name", "b");
        assertThat(r.limit()).isEqualTo(1);
        assertThat(r.marker()).isEqualTo("m1");
        assertThat(r.filters())
                .contains(ImageFilter.eq(ImageField.NAME, "b"))
                .doesNotContain(ImageFilter.eq(ImageField.NAME, "a"));
    }

    @Test
    void filtersBecomeConditions() {
        ImageListRequest r = parse(
                "tag",
                " x ",
                "tag",
                "y",
                "os_hidden",
                "TRUE",
                "protected",
                "false",
                "checksum",
                "c",
                "os_hash_value",
                "h",
                "size_min",
                "10",
                "virtual_size_max",
                " 2_0 ",
                "min_ram",
                "512",
                "min_disk",
                "lots",
                "owner",
                "o",
                "os_hash_algo",
                "sha512",
                "deleted_at",
                "x",
                "name",
                "in:a,\"b,c\"",
                "status",
                "eq:active",
                "id",
                "2026-01-01T00:00:00",
                "created_at",
                "gte:2026-01-01T00:00:00Z",
                "updated_at",
                "2026-01-02T00:00:00+01:00",
                "hw_foo",
                "bar",
                "deleted",
                "true");
        assertThat(r.filters())
                .containsExactlyInAnyOrder(
                        new Compare(ImageField.OS_HIDDEN, Op.EQ, true),
                        new Compare(ImageField.CHECKSUM, Op.EQ, "c"),
                        new Compare(ImageField.OS_HASH_VALUE, Op.EQ, "h"),
                        new HasTag("x"),
                        new HasTag("y"),
                        new Compare(ImageField.PROTECTED, Op.EQ, false),
                        new Compare(ImageField.SIZE, Op.GE, 10L),
                        new Compare(ImageField.VIRTUAL_SIZE, Op.LE, 20L),
                        new Compare(ImageField.MIN_RAM, Op.EQ, 512L),
                        new Nothing(),
                        new Compare(ImageField.OWNER, Op.EQ, "o"),
                        new Compare(ImageField.OS_HASH_ALGO, Op.EQ, "sha512"),
                        new Nothing(),
                        new In(ImageField.NAME, List.of("a", "b,c")),
                        new Compare(ImageField.STATUS, Op.EQ, "active"),
                        new Compare(ImageField.ID, Op.EQ, "2026-01-01T00:00:00"),
                        new Compare(ImageField.CREATED_AT, Op.GE, Instant.parse("2026-01-01T00:00:00Z")),
                        new Compare(ImageField.UPDATED_AT, Op.EQ, Instant.parse("2026-01-01T23:00:00Z")),
                        new HasProperty("hw_foo", "bar"));
    }

    @Test
    void visibilityIsKeptForTheService() {
        assertThat(parse("visibility", "all").visibility()).isEqualTo("all");
        assertThat(parse("visibility", "").visibility()).isEmpty();
        refused("Invalid visibility value: All", "visibility", "All");
    }

    @Test
    void quotedInValuesSplitAsUpstream() {
        // Expected lists printed by glance.common.utils.split_filter_value_for_quotes.
        assertThat(ImageListRequest.splitQuoted("a,b")).containsExactly("a", "b");
        assertThat(ImageListRequest.splitQuoted("\"a,b\",c")).containsExactly("a,b", "c");
        assertThat(ImageListRequest.splitQuoted("a,,b")).containsExactly("a", "", "b");
        assertThat(ImageListRequest.splitQuoted(",a")).containsExactly("", "a");
        assertThat(ImageListRequest.splitQuoted("a,")).containsExactly("a");
        assertThat(ImageListRequest.splitQuoted("\"a\\\"b\",c")).containsExactly("a\\\"b", "c");
        assertThat(ImageListRequest.splitQuoted("")).isEmpty();
        assertThatThrownBy(() -> ImageListRequest.splitQuoted("\"x\"y"))
                .hasMessage("Invalid filter value \"x\"y. There is no comma after closing quotation mark.");
        assertThatThrownBy(() -> ImageListRequest.splitQuoted("a\"b"))
                .hasMessage("Invalid filter value a\"b. There is no comma before opening quotation mark.");
    }

    @Test
    void rangesOnlyOnNumbers() {
        refused("Unable to filter on a range with a non-numeric value.", "size_min", "1.5");
        refused(
                "Unable to filter on a range of 'name': only size, virtual_size, min_disk and min_ram have ranges.",
                "name_min",
                "1");
        assertThat(parse("size_max", "99999999999999999999999").filters())
                .contains(new Compare(ImageField.SIZE, Op.LE, Long.MAX_VALUE));
    }

    @Test
    void nulCharactersAreRefused() {
        refused("Invalid value for name: it contains a NUL character", "name", "a\0b");
    }
}
