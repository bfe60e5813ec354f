package dev.loupe.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.compat.ListParameters;
import dev.loupe.failure.LoupeException.InvalidInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The query rules of {@code GET /v2/tasks}, as Glance applies them: parsing, messages and the order of the checks. */
class TaskListRequestTest {

    private static final String ID = "7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d";

    /** {@code parse("limit", "5", "marker", "x")}: pairs in order. */
    private static TaskListRequest parse(String... keysAndValues) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            pairs.add(Map.entry(keysAndValues[i], keysAndValues[i + 1]));
        }
        return TaskListRequest.parse(pairs);
    }

    private static void refused(String message, String... keysAndValues) {
        assertThatThrownBy(() -> parse(keysAndValues))
                .isInstanceOf(InvalidInput.class)
                .hasMessage(message);
    }

    @Test
    void defaults() {
        TaskListRequest r = parse();
        assertThat(r.limit()).isNull();
        assertThat(r.marker()).isNull();
        assertThat(r.sortKey()).isEqualTo("created_at");
        assertThat(r.ascending()).isFalse();
        assertThat(r.filters()).isEmpty();
    }

    @Nested
    class Limit {

        @ParameterizedTest(name = "limit=''{0}'' -> {1}")
        @CsvSource(
                delimiter = '|',
                value = {
                    "5|5",
                    "' 5 '|5",
                    "+3|3",
                    "1_0|10",
                    "1_000|1000",
                    "0|0",
                    "-0|0",
                    "+0|0",
                    "007|7",
                    "2147483647|2147483647",
                })
        void pythonIntegers(String text, int expected) {
            assertThat(parse("limit", text).limit()).isEqualTo(expected);
        }

        @Test
        void asciiWhiteSpaceAroundIsIgnored() {
            assertThat(parse("limit", "\t12\n").limit()).isEqualTo(12);
            assertThat(parse("limit", "\r\f 3 \u000b").limit()).isEqualTo(3);
        }

        @Test
        void hugeLimitsAreAcceptedAndCappedLater() {
            assertThat(parse("limit", "2147483648").limit()).isEqualTo(Integer.MAX_VALUE);
            assertThat(parse("limit", "99999999999999999999999999999999").limit())
                    .isEqualTo(Integer.MAX_VALUE);
        }

        @ParameterizedTest(name = "limit=''{0}''")
        @ValueSource(
                strings = {
                    "", " ", "1.5", "1.0", "1e3", "NaN", "blah", "0x10", "1_", "_1", "1__0", "++1", "+-1", "1 0",
                    "five", "∞", "0b1", "inf", "+", "-", "1-"
                })
        void notIntegers(String text) {
            refused("limit param must be an integer", "limit", text);
        }

        @ParameterizedTest(name = "limit=''{0}''")
        @ValueSource(strings = {"-1", " -1 ", "-1_0", "-99999999999999999999999999999999", "-2147483649"})
        void negatives(String text) {
            refused("limit param must be positive", "limit", text);
        }

        /** Python's int() takes any Unicode decimal digits and strips any Unicode white space. */
        @Test
        void unicodeDigitsAndBlanksAsPythonIntTakesThem() {
            assertThat(parse("limit", "１２").limit()).isEqualTo(12);
            assertThat(parse("limit", "٣").limit()).isEqualTo(3);
            assertThat(parse("limit", "\u00a05\u2003").limit()).isEqualTo(5);
        }

        @Test
        void theLastOfRepeatedLimitsCounts() {
            assertThat(parse("limit", "blah", "limit", "3").limit()).isEqualTo(3);
            refused("limit param must be an integer", "limit", "3", "limit", "blah");
        }
    }

    @Nested
    class Marker {

        @ParameterizedTest(name = "{0}")
        @ValueSource(
                strings = {
                    ID,
                    "7AB1B1E8-4F2E-4B1A-9C3E-0D2F6A1B2C3D",
                    "7ab1b1e84f2e4b1a9c3e0d2f6a1b2c3d",
                    "{7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d}",
                    "{{7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d}",
                    "{7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                    "urn:uuid:7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                    "uuid:7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                    "urn:7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                    "7ab1-b1e8-4f2e-4b1a-9c3e-0d2f-6a1b-2c3d",
                    "-7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d-",
                    "00000000-0000-0000-0000-000000000000",
                })
        void uuidLike(String marker) {
            assertThat(ListParameters.isUuidLike(marker)).isTrue();
            assertThat(parse("marker", marker).marker()).isEqualTo(marker);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(
                strings = {
                    "x",
                    "NON_EXISTENT_TASK",
                    "7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3",
                    "7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d0",
                    "7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3g",
                    "URN:UUID:7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                    " 7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d",
                    "7ab1b1e8_4f2e_4b1a_9c3e_0d2f6a1b2c3d",
                    "(7ab1b1e8-4f2e-4b1a-9c3e-0d2f6a1b2c3d)",
                    "0x7ab1b1e84f2e4b1a9c3e0d2f6a1b2c3",
                    "+7ab1b1e84f2e4b1a9c3e0d2f6a1b2c3",
                })
        void notUuidLike(String marker) {
            assertThat(ListParameters.isUuidLike(marker)).isFalse();
            refused("Invalid marker format", "marker", marker);
        }

        @Test
        void anEmptyMarkerIsNotValidatedButKept() {
            assertThat(parse("marker", "").marker()).isEmpty();
        }
    }

    @Nested
    class SortAndFilters {

        @Test
        void sortDirection() {
            assertThat(parse("sort_dir", "asc").ascending()).isTrue();
            assertThat(parse("sort_dir", "desc").ascending()).isFalse();
            refused("Invalid sort direction: ASC", "sort_dir", "ASC");
            refused("Invalid sort direction: ", "sort_dir", "");
            refused("Invalid sort direction: up", "sort_dir", "up");
        }

        @Test
        void sortKeysAreTheColumnsOfTheTasksTable() {
            for (String key : List.of(
                    "id",
                    "type",
                    "status",
                    "owner",
                    "expires_at",
                    "image_id",
                    "request_id",
                    "user_id",
                    "created_at",
                    "updated_at",
                    "deleted_at",
                    "deleted")) {
                assertThat(parse("sort_key", key).sortKey()).isEqualTo(key);
            }
            for (String key : List.of("input", "message", "result", "name", "", "ID", "created_at ")) {
                TaskListRequest parsed = parse("sort_key", key);
                assertThatThrownBy(parsed::sortField)
                        .isInstanceOf(InvalidInput.class)
                        .hasMessage("Sort key supplied was not valid.");
            }
        }

        @Test
        void statusAndTypeValues() {
            for (String status : List.of("pending", "processing", "success", "failure", "")) {
                assertThat(parse("status", status).filters()).containsEntry(TaskField.STATUS, List.of(status));
            }
            refused("Invalid status value: done", "status", "done");
            refused("Invalid status value: PENDING", "status", "PENDING");
            assertThat(parse("type", "import").filters()).containsEntry(TaskField.TYPE, List.of("import"));
            assertThat(parse("type", "").filters()).containsEntry(TaskField.TYPE, List.of(""));
            refused("Invalid type value: api_image_import", "type", "api_image_import");
            refused("Invalid type value: location_import", "type", "location_import");
        }

        @Test
        void columnFiltersPassUnknownKeysAreIgnoredDeletedIsNeverAFilter() {
            TaskListRequest r = parse(
                    "owner",
                    "proj-a",
                    "id",
                    ID,
                    "image_id",
                    "i",
                    "user_id",
                    "u",
                    "request_id",
                    "r",
                    "expires_at",
                    "2026-01-01T00:00:00Z",
                    "created_at",
                    "c",
                    "updated_at",
                    "u2",
                    "deleted_at",
                    "d",
                    "deleted",
                    "true",
                    "name",
                    "x",
                    "input",
                    "y",
                    "limit",
                    "3");
            assertThat(r.filters())
                    .containsOnlyKeys(
                            TaskField.OWNER,
                            TaskField.ID,
                            TaskField.IMAGE_ID,
                            TaskField.USER_ID,
                            TaskField.REQUEST_ID,
                            TaskField.EXPIRES_AT,
                            TaskField.CREATED_AT,
                            TaskField.UPDATED_AT,
                            TaskField.DELETED_AT);
        }

        @Test
        void theLastOfRepeatedParametersIsValidatedAndAllAreKeptAsFilters() {
            TaskListRequest r = parse("status", "bogus", "status", "success", "owner", "a", "owner", "b");
            assertThat(r.filters())
                    .containsEntry(TaskField.STATUS, List.of("bogus", "success"))
                    .containsEntry(TaskField.OWNER, List.of("a", "b"));
            refused("Invalid status value: bogus", "status", "success", "status", "bogus");
            assertThat(parse("sort_dir", "up", "sort_dir", "asc").ascending()).isTrue();
        }
    }

    /** Upstream's order: sort_dir, then status, then type, then marker, then limit; the sort key only after all of them. */
    @Test
    void checksRunInUpstreamsOrderWhateverTheOrderOfTheParameters() {
        List<String> all = List.of(
                "sort_key",
                "nope",
                "limit",
                "x",
                "marker",
                "bad",
                "type",
                "export",
                "status",
                "done",
                "sort_dir",
                "up");
        refused("Invalid sort direction: up", all.toArray(String[]::new));
        refused("Invalid status value: done", without(all, "sort_dir"));
        refused("Invalid type value: export", without(all, "sort_dir", "status"));
        refused("Invalid marker format", without(all, "sort_dir", "status", "type"));
        refused("limit param must be an integer", without(all, "sort_dir", "status", "type", "marker"));
        TaskListRequest parsed = parse(without(all, "sort_dir", "status", "type", "marker", "limit"));
        assertThatThrownBy(parsed::sortField)
                .isInstanceOf(InvalidInput.class)
                .hasMessage("Sort key supplied was not valid.");
        refused("limit param must be positive", "sort_key", "nope", "limit", "-1");
    }

    private static String[] without(List<String> pairs, String... keys) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            if (!List.of(keys).contains(pairs.get(i))) {
                kept.add(pairs.get(i));
                kept.add(pairs.get(i + 1));
            }
        }
        return kept.toArray(String[]::new);
    }
}
