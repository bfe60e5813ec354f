package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TestClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v2/tasks} as admin, over a fixed set of seven tasks in three projects, as Glance answers it:
 * validation order and messages, sorting, keyset pagination, filters, the task stubs, the envelope and its links.
 * The server's clock moves one second per reading, so creation order is strict time order.
 */
class ListTasksIT {

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;

    /** t[0] oldest ... t[6] newest. */
    static final List<String> t = new ArrayList<>();

    static final Map<String, String> ADMIN_C = Client.identity("admin-c", "proj-c", "admin");

    @BeforeAll
    static void start() {
        server = LoupeServer.start(
                dir, TestClock.stepping(Instant.parse("2026-03-01T10:00:00Z"), Duration.ofSeconds(1)));
        client = server.client();
        create(ADMIN_A, importBody("http://example.com/t0")); // t0 proj-a
        create(with(ADMIN_B, "X-Openstack-Request-Id", "list-req-1"), importBody("http://example.com/t1")); // t1
        create(ADMIN_A, "{\"type\": \"api_image_import\", \"input\": {\"image_id\": \"img-1\"}}"); // t2 proj-a
        create(ADMIN_C, importBody("http://example.com/t3")); // t3 proj-c
        create(
                ADMIN_A,
                "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/t4\","
                        + " \"image_id\": \"img-2\"}}"); // t4 proj-a
        create(ADMIN_B, "{\"type\": \"location_import\", \"input\": {}}"); // t5 proj-b
        create(ADMIN_A, importBody("http://example.com/t6")); // t6 proj-a
    }

    private static void create(Map<String, String> identity, String body) {
        HttpResponse<String> r = server.client().post("/v2/tasks", identity, body);
        t.add(ok(r, 201).get("id").asText());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode list(String query) {
        return ok(client.get("/v2/tasks" + query, ADMIN_A), 200);
    }

    private static void assertListError(String query, String message) {
        assertJsonError(client.get("/v2/tasks" + query, asJson(ADMIN_A)), 400, message);
    }

    private static List<String> ids(String... indexes) {
        List<String> ids = new ArrayList<>();
        for (String i : indexes) {
            ids.add(t.get(Integer.parseInt(i)));
        }
        return ids;
    }

    private static List<String> newestFirst() {
        List<String> all = new ArrayList<>(t);
        Collections.reverse(all);
        return all;
    }

    /** Follows {@code next} from the given query; checks each page and returns every id in order. */
    private static List<String> follow(String query, int pageSize) {
        List<String> seen = new ArrayList<>();
        String path = "/v2/tasks" + query;
        for (int pages = 0; pages < 20; pages++) {
            JsonNode page = ok(client.get(path, ADMIN_A), 200);
            List<String> ids = Wire.ids(page);
            assertThat(ids.size()).isLessThanOrEqualTo(pageSize);
            seen.addAll(ids);
            if (!page.has("next")) {
                assertThat(ids.size())
                        .as("a page without next is not full: " + path)
                        .isLessThan(pageSize);
                return seen;
            }
            assertThat(ids).as("a page with next is full: " + path).hasSize(pageSize);
            path = page.get("next").asText();
            assertThat(path).startsWith("/v2/tasks?").endsWith("&marker=" + ids.getLast());
        }
        throw new AssertionError("next links never end");
    }

    // ---- envelope and stubs -----------------------------------------------------------------------------------

    @Test
    void listAnswersTheEnvelopeWithFirstAndSchema() {
        JsonNode body = list("");
        assertThat(keys(body)).containsExactlyInAnyOrder("tasks", "first", "schema");
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks");
        assertThat(body.get("schema").asText()).isEqualTo("/v2/schemas/tasks");
    }

    @Test
    void listItemsAreStubsWithExactlyTheStubKeys() {
        for (JsonNode stub : list("").get("tasks")) {
            assertThat(keys(stub)).containsExactlyInAnyOrderElementsOf(STUB_KEYS);
            String id = stub.get("id").asText();
            assertThat(stub.get("self").asText()).isEqualTo("/v2/tasks/" + id);
            assertThat(stub.get("schema").asText()).isEqualTo("/v2/schemas/task");
            assertThat(stub.get("status").asText()).isEqualTo("pending");
            assertThat(stub.get("created_at").asText()).matches(ISOTIME);
            assertThat(stub.get("updated_at").asText()).matches(ISOTIME);
        }
    }

    @Test
    void stubsCarryTypeAndOwnerOfEachTask() {
        JsonNode tasks = list("?sort_dir=asc").get("tasks");
        assertThat(tasks.get(2).get("type").asText()).isEqualTo("api_image_import");
        assertThat(tasks.get(5).get("type").asText()).isEqualTo("location_import");
        assertThat(tasks.get(1).get("owner").asText()).isEqualTo("proj-b");
        assertThat(tasks.get(3).get("owner").asText()).isEqualTo("proj-c");
    }

    // ---- sorting ---------------------------------------------------------------------------------------------

    @Test
    void defaultSortIsCreatedAtDesc() {
        JsonNode body = list("");
        assertThat(Wire.ids(body)).containsExactlyElementsOf(newestFirst());
        List<String> created = new ArrayList<>();
        body.get("tasks").forEach(s -> created.add(s.get("created_at").asText()));
        List<String> sorted = new ArrayList<>(created);
        sorted.sort(Collections.reverseOrder());
        assertThat(created).containsExactlyElementsOf(sorted).doesNotHaveDuplicates();
    }

    @Test
    void sortDirAscGivesCreationOrder() {
        assertThat(Wire.ids(list("?sort_dir=asc"))).containsExactlyElementsOf(t);
    }

    @Test
    void sortKeyCreatedAtDescLimit3GivesTheNewestThree() {
        assertThat(Wire.ids(list("?sort_key=created_at&limit=3"))).containsExactlyElementsOf(ids("6", "5", "4"));
    }

    @Test
    void sortKeyIdReallySortsByCreatedAtThenId() {
        assertThat(Wire.ids(list("?sort_key=id&sort_dir=asc"))).containsExactlyElementsOf(t);
        assertThat(Wire.ids(list("?sort_key=id"))).containsExactlyElementsOf(newestFirst());
    }

    @Test
    void sortKeyOwnerAscOrdersByOwnerThenCreatedAt() {
        assertThat(Wire.ids(list("?sort_key=owner&sort_dir=asc")))
                .containsExactlyElementsOf(ids("0", "2", "4", "6", "1", "5", "3"));
    }

    @Test
    void sortKeyOwnerDescOrdersByOwnerThenCreatedAtDesc() {
        assertThat(Wire.ids(list("?sort_key=owner&sort_dir=desc")))
                .containsExactlyElementsOf(ids("3", "5", "1", "6", "4", "2", "0"));
    }

    @Test
    void sortKeyOwnerDescWithMarkerOfTheMaxOwnerGivesTheRest() {
        assertThat(Wire.ids(list("?sort_key=owner&sort_dir=desc&marker=" + t.get(3))))
                .containsExactlyElementsOf(ids("5", "1", "6", "4", "2", "0"));
    }

    @Test
    void sortKeyOwnerAscWithMarkerOfTheMaxOwnerGivesNothing() {
        JsonNode body = list("?sort_key=owner&sort_dir=asc&marker=" + t.get(3));
        assertThat(Wire.ids(body)).isEmpty();
        assertThat(body.has("next")).isFalse();
    }

    @Test
    void sortKeyOwnerPagesKeepTheSortParametersInNext() {
        JsonNode page = list("?limit=2&sort_key=owner&sort_dir=desc");
        assertThat(Wire.ids(page)).containsExactlyElementsOf(ids("3", "5"));
        assertThat(page.get("first").asText()).isEqualTo("/v2/tasks?limit=2&sort_key=owner&sort_dir=desc");
        assertThat(page.get("next").asText())
                .isEqualTo("/v2/tasks?limit=2&sort_key=owner&sort_dir=desc&marker=" + t.get(5));
        assertThat(follow("?limit=2&sort_key=owner&sort_dir=desc", 2))
                .containsExactlyElementsOf(ids("3", "5", "1", "6", "4", "2", "0"));
    }

    @Test
    void sortKeyTypeOrdersByTypeString() {
        assertThat(Wire.ids(list("?sort_key=type&sort_dir=asc")))
                .containsExactlyElementsOf(ids("2", "0", "1", "3", "4", "6", "5"));
    }

    @Test
    void sortKeyImageIdComparesNullAsEmpty() {
        assertThat(Wire.ids(list("?sort_key=image_id&sort_dir=asc")))
                .containsExactlyElementsOf(ids("0", "1", "3", "5", "6", "2", "4"));
        assertThat(Wire.ids(list("?sort_key=image_id&sort_dir=asc&marker=" + t.get(6))))
                .containsExactlyElementsOf(ids("2", "4"));
        assertThat(Wire.ids(list("?sort_key=image_id&sort_dir=desc&marker=" + t.get(2))))
                .containsExactlyElementsOf(ids("6", "5", "3", "1", "0"));
    }

    @Test
    void everyTasksColumnIsASortKey() {
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
            for (String dir : List.of("asc", "desc")) {
                assertThat(Wire.ids(list("?sort_key=" + key + "&sort_dir=" + dir)))
                        .as(key + " " + dir)
                        .containsExactlyInAnyOrderElementsOf(t);
            }
        }
    }

    @Test
    void sortKeyBogusSays_SortKeySuppliedWasNotValid() {
        assertListError("?sort_key=bogus", "Sort key supplied was not valid.");
    }

    @Test
    void sortKeyInputSays_SortKeySuppliedWasNotValid() {
        assertListError("?sort_key=input", "Sort key supplied was not valid.");
    }

    @Test
    void emptySortKeySays_SortKeySuppliedWasNotValid() {
        assertListError("?sort_key=", "Sort key supplied was not valid.");
    }

    @Test
    void emptySortDirSays_InvalidSortDirection() {
        assertListError("?sort_dir=", "Invalid sort direction: ");
    }

    @Test
    void sortDirUpSays_InvalidSortDirection() {
        assertListError("?sort_dir=up", "Invalid sort direction: up");
    }

    @Test
    void sortDirIsCaseSensitive_ASC() {
        assertListError("?sort_dir=ASC", "Invalid sort direction: ASC");
    }

    // ---- limit ------------------------------------------------------------------------------------------------

    @Test
    void limitMinusOneSaysLimitParamMustBePositive() {
        assertListError("?limit=-1", "limit param must be positive");
    }

    @Test
    void limitAbcSaysLimitParamMustBeAnInteger() {
        assertListError("?limit=abc", "limit param must be an integer");
    }

    @Test
    void limitOnePointFiveSaysLimitParamMustBeAnInteger() {
        assertListError("?limit=1.5", "limit param must be an integer");
        assertListError("?limit=1.1", "limit param must be an integer");
    }

    @Test
    void limitEmptySaysLimitParamMustBeAnInteger() {
        assertListError("?limit=", "limit param must be an integer");
    }

    @Test
    void limitNaNSaysLimitParamMustBeAnInteger() {
        assertListError("?limit=NaN", "limit param must be an integer");
    }

    @Test
    void limitZeroGivesAnEmptyPageWithoutNext() {
        JsonNode body = list("?limit=0");
        assertThat(Wire.ids(body)).isEmpty();
        assertThat(body.has("next")).isFalse();
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?limit=0");
    }

    @Test
    void limitTwoGivesTheFirstTwoOfTheDefaultOrder() {
        JsonNode body = list("?limit=2");
        assertThat(Wire.ids(body)).containsExactlyElementsOf(ids("6", "5"));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?limit=2");
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=2&marker=" + t.get(5));
    }

    @Test
    void largeLimitIsCappedSilently() {
        assertThat(Wire.ids(list("?limit=100000"))).containsExactlyElementsOf(newestFirst());
        assertThat(Wire.ids(list("?limit=99999999999999999999"))).containsExactlyElementsOf(newestFirst());
    }

    // ---- pagination ---------------------------------------------------------------------------------------------

    @Test
    void followingNextVisitsEveryTaskOnceInOrder() {
        List<String> seen = follow("?limit=2", 2);
        assertThat(seen).containsExactlyElementsOf(newestFirst());
        assertThat(new HashSet<>(seen)).hasSize(t.size());
    }

    @Test
    void followingNextAscendingVisitsEveryTaskOnceInOrder() {
        assertThat(follow("?limit=3&sort_dir=asc", 3)).containsExactlyElementsOf(t);
    }

    @Test
    void exactlyFullFinalPageHasNextLeadingToAnEmptyPage() {
        JsonNode full = list("?limit=7&sort_dir=asc");
        assertThat(Wire.ids(full)).containsExactlyElementsOf(t);
        assertThat(full.get("next").asText()).isEqualTo("/v2/tasks?limit=7&sort_dir=asc&marker=" + t.get(6));
        JsonNode empty = ok(client.get(full.get("next").asText(), ADMIN_A), 200);
        assertThat(Wire.ids(empty)).isEmpty();
        assertThat(empty.has("next")).isFalse();
        assertThat(empty.get("first").asText()).isEqualTo("/v2/tasks?limit=7&sort_dir=asc");
    }

    @Test
    void markerOfTheOldestTaskGivesAnEmptyPage() {
        JsonNode body = list("?marker=" + t.get(0));
        assertThat(Wire.ids(body)).isEmpty();
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks");
        assertThat(body.has("next")).isFalse();
    }

    @Test
    void markerWithLimitOneGivesTheNextOlderTask() {
        JsonNode body = list("?marker=" + t.get(3) + "&limit=1");
        assertThat(Wire.ids(body)).containsExactly(t.get(2));
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=1&marker=" + t.get(2));
    }

    @Test
    void markerWithLimitTwoGivesTheNextTwo() {
        JsonNode body = list("?marker=" + t.get(3) + "&limit=2");
        assertThat(Wire.ids(body)).containsExactly(t.get(2), t.get(1));
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=2&marker=" + t.get(1));
    }

    @Test
    void markerOfOldestWithLimitTwoGivesNothingAndNoNext() {
        JsonNode body = list("?marker=" + t.get(0) + "&limit=2");
        assertThat(Wire.ids(body)).isEmpty();
        assertThat(body.has("next")).isFalse();
    }

    @Test
    void firstDropsTheMarkerAndNextAppendsItLast() {
        JsonNode body = list("?limit=2&marker=" + t.get(6) + "&sort_dir=desc");
        assertThat(Wire.ids(body)).containsExactly(t.get(5), t.get(4));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?limit=2&sort_dir=desc");
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=2&sort_dir=desc&marker=" + t.get(4));
    }

    @Test
    void markerNotAUuidSays_InvalidMarkerFormat() {
        assertListError("?marker=abc", "Invalid marker format");
    }

    @Test
    void markerUnknownUuidSays_TaskWithTheGivenIdWasNotFound() {
        assertListError(
                "?marker=00000000-0000-0000-0000-000000000000",
                "Task with the given id 00000000-0000-0000-0000-000000000000 was not found");
    }

    @Test
    void markerEmptySays_TaskWithTheGivenIdWasNotFound() {
        assertListError("?marker=&limit=1", "Task with the given id  was not found");
    }

    @Test
    void markerFormatAcceptsOsloUuidLikeVariants() {
        for (String marker : List.of(
                "0000000000000000000000000000ABCD",
                "{00000000-0000-0000-0000-00000000abcd}",
                "urn:uuid:00000000-0000-0000-0000-00000000abcd",
                "00000000-0000-0000-0000-00000000ABCD")) {
            assertListError(
                    "?marker=" + java.net.URLEncoder.encode(marker, java.nio.charset.StandardCharsets.UTF_8),
                    "Task with the given id " + marker + " was not found");
        }
    }

    // ---- filters ------------------------------------------------------------------------------------------------

    @Test
    void statusPendingFilterGivesAll() {
        assertThat(Wire.ids(list("?status=pending"))).containsExactlyElementsOf(newestFirst());
    }

    @Test
    void statusSuccessFilterGivesNone() {
        assertThat(Wire.ids(list("?status=success"))).isEmpty();
    }

    @Test
    void statusBogusSays_InvalidStatusValue() {
        assertListError("?status=bogus", "Invalid status value: bogus");
    }

    @Test
    void statusIsCaseSensitive_SUCCESS() {
        assertListError("?status=SUCCESS", "Invalid status value: SUCCESS");
    }

    @Test
    void emptyStatusFiltersOnTheEmptyStringAndGivesAnEmptyList() {
        JsonNode body = list("?status=&limit=1");
        assertThat(Wire.ids(body)).isEmpty();
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?status=&limit=1");
        assertThat(body.has("next")).isFalse();
    }

    @Test
    void typeImportFilterGivesOnlyImportTasks() {
        JsonNode body = list("?type=import&limit=10");
        assertThat(Wire.ids(body)).containsExactlyElementsOf(ids("6", "4", "3", "1", "0"));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?type=import&limit=10");
    }

    @Test
    void typeApiImageImportSays_InvalidTypeValue() {
        assertListError("?type=api_image_import", "Invalid type value: api_image_import");
    }

    @Test
    void typeLocationImportSays_InvalidTypeValue() {
        assertListError("?type=location_import", "Invalid type value: location_import");
    }

    @Test
    void typeBogusSays_InvalidTypeValue() {
        assertListError("?type=bogus", "Invalid type value: bogus");
    }

    @Test
    void emptyTypeFiltersOnTheEmptyString() {
        assertThat(Wire.ids(list("?type="))).isEmpty();
    }

    @Test
    void ownerColumnFilter() {
        JsonNode body = list("?owner=proj-b");
        assertThat(Wire.ids(body)).containsExactlyElementsOf(ids("5", "1"));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?owner=proj-b");
    }

    @Test
    void userIdColumnFilter() {
        assertThat(Wire.ids(list("?user_id=admin-b"))).containsExactlyElementsOf(ids("5", "1"));
    }

    @Test
    void idColumnFilter() {
        assertThat(Wire.ids(list("?id=" + t.get(3)))).containsExactly(t.get(3));
    }

    @Test
    void imageIdColumnFilter() {
        assertThat(Wire.ids(list("?image_id=img-2"))).containsExactly(t.get(4));
        assertThat(Wire.ids(list("?image_id=img-1"))).containsExactly(t.get(2));
    }

    @Test
    void requestIdColumnFilter() {
        assertThat(Wire.ids(list("?request_id=list-req-1"))).containsExactly(t.get(1));
    }

    @Test
    void statusTypeAndOwnerFiltersCombine() {
        assertThat(Wire.ids(list("?status=pending&type=import&owner=proj-a")))
                .containsExactlyElementsOf(ids("6", "4", "0"));
    }

    @Test
    void deletedParameterIsForcedFalse() {
        assertThat(Wire.ids(list("?deleted=true"))).containsExactlyElementsOf(newestFirst());
    }

    @Test
    void unknownParametersAreIgnoredButEchoedInFirstAndNext() {
        JsonNode body = list("?foo=bar&limit=1");
        assertThat(Wire.ids(body)).containsExactly(t.get(6));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?foo=bar&limit=1");
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?foo=bar&limit=1&marker=" + t.get(6));
    }

    @Test
    void firstAndNextKeepTheRequestsParametersInOrder() {
        JsonNode body = list("?limit=3&sort_key=id&sort_dir=asc");
        assertThat(Wire.ids(body)).containsExactlyElementsOf(ids("0", "1", "2"));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?limit=3&sort_key=id&sort_dir=asc");
        assertThat(body.get("next").asText())
                .isEqualTo("/v2/tasks?limit=3&sort_key=id&sort_dir=asc&marker=" + t.get(2));
    }

    @Test
    void statusAndTypeFiltersTogether() {
        assertThat(Wire.ids(list("?status=success&type=import"))).isEmpty();
        assertThat(Wire.ids(list("?status=pending&type=import&limit=1"))).containsExactly(t.get(6));
    }

    @Test
    void parameterWithoutAValueIsEchoedWithAnEmptyValue() {
        JsonNode body = list("?foo&limit=1");
        assertThat(Wire.ids(body)).containsExactly(t.get(6));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?foo=&limit=1");
    }

    @Test
    void linksAreQuotePlusEncoded() {
        JsonNode body = list("?foo=a%20b%2Fc%26d&limit=1");
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?foo=a+b%2Fc%26d&limit=1");
    }

    @Test
    void repeatedStatusValidatesTheLastAndAndsAllAndEchoesTheLast() {
        JsonNode body = list("?status=pending&status=failure&limit=2");
        assertThat(Wire.ids(body)).isEmpty();
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?status=failure&limit=2");
    }

    @Test
    void repeatedStatusWithABogusFirstValueIsNotValidated() {
        assertThat(Wire.ids(list("?status=bogus&status=pending"))).isEmpty();
    }

    @Test
    void repeatedStatusWithABogusLastValueSays_InvalidStatusValue() {
        assertListError("?status=pending&status=bogus", "Invalid status value: bogus");
    }

    @Test
    void repeatedColumnFiltersAreAnded() {
        assertThat(Wire.ids(list("?owner=proj-a&owner=proj-b"))).isEmpty();
        assertThat(Wire.ids(list("?owner=proj-a&owner=proj-a"))).containsExactlyElementsOf(ids("6", "4", "2", "0"));
    }

    @Test
    void repeatedLimitUsesTheLast() {
        JsonNode body = list("?limit=1&limit=3");
        assertThat(Wire.ids(body)).containsExactlyElementsOf(ids("6", "5", "4"));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?limit=3");
    }

    @Test
    void tiesOnCreatedAtAreBrokenByIdInTheSameDirection(@TempDir Path other) {
        TestClock frozen = TestClock.at(Instant.parse("2026-06-01T00:00:00Z"));
        try (LoupeServer tied = LoupeServer.start(other, frozen)) {
            Client c = tied.client();
            List<String> created = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                created.add(c.createImportTask(ADMIN_A).get("id").asText());
            }
            List<String> ascending = new ArrayList<>(created);
            Collections.sort(ascending);
            List<String> descending = new ArrayList<>(ascending);
            Collections.reverse(descending);
            assertThat(Wire.ids(ok(c.get("/v2/tasks", ADMIN_A), 200))).containsExactlyElementsOf(descending);
            assertThat(Wire.ids(ok(c.get("/v2/tasks?sort_dir=asc", ADMIN_A), 200)))
                    .containsExactlyElementsOf(ascending);
            assertThat(Wire.ids(ok(c.get("/v2/tasks?sort_key=status&sort_dir=asc", ADMIN_A), 200)))
                    .containsExactlyElementsOf(ascending);
            // Keyset paging through the ties loses and repeats nothing.
            List<String> seen = new ArrayList<>();
            String path = "/v2/tasks?limit=4";
            while (path != null) {
                JsonNode page = ok(c.get(path, ADMIN_A), 200);
                seen.addAll(Wire.ids(page));
                path = page.has("next") ? page.get("next").asText() : null;
            }
            assertThat(seen).containsExactlyElementsOf(descending);
        }
    }

    // ---- validation order -------------------------------------------------------------------------------------

    @Test
    void policyIsCheckedBeforeQueryValidation() {
        assertJsonError(client.get("/v2/tasks?limit=NaN&sort_dir=up", asJson(MEMBER_A)), 403, FORBIDDEN);
    }

    @Test
    void sortDirIsCheckedBeforeFilters() {
        assertListError("?status=bogus&sort_dir=up", "Invalid sort direction: up");
    }

    @Test
    void statusIsCheckedBeforeType() {
        assertListError("?type=bogus&status=bogus", "Invalid status value: bogus");
    }

    @Test
    void typeIsCheckedBeforeMarker() {
        assertListError("?marker=abc&type=bogus", "Invalid type value: bogus");
    }

    @Test
    void markerFormatIsCheckedBeforeLimit() {
        assertListError("?limit=-1&marker=abc", "Invalid marker format");
    }

    @Test
    void limitIsCheckedBeforeSortKey() {
        assertListError("?sort_key=bogus&limit=abc", "limit param must be an integer");
    }

    // ---- who sees what ----------------------------------------------------------------------------------------

    @Test
    void adminOfAnotherProjectSeesEveryProjectsTasks() {
        assertThat(Wire.ids(ok(client.get("/v2/tasks", ADMIN_B), 200))).containsExactlyElementsOf(newestFirst());
    }

    @Test
    void adminWithNoProjectCanList() {
        Map<String, String> noProject = Map.of("X-Identity-Status", "Confirmed", "X-Roles", "admin");
        assertThat(Wire.ids(ok(client.get("/v2/tasks?limit=2", noProject), 200)))
                .containsExactlyElementsOf(ids("6", "5"));
    }

    @Test
    void listAsMemberGives403() {
        assertJsonError(client.get("/v2/tasks", asJson(MEMBER_A)), 403, FORBIDDEN);
    }

    @Test
    void listThroughAVersionPrefixGivesV2Links() {
        JsonNode body = ok(client.get("/v2.3/tasks?limit=1", ADMIN_A), 200);
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks?limit=1");
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=1&marker=" + t.get(6));
    }
}
