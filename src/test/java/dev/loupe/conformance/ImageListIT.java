package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static dev.loupe.testing.ImageFixtures.NewImage.image;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.image.Image;
import dev.loupe.image.ImageStatus;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.ImageFixtures.NewImage;
import dev.loupe.testing.LoupeServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v2/images}: who sees which image in a list (upstream's list query in
 * {@code glance/db/sqlalchemy/api.py}), the envelope and its links, paging after a marker in every order, and the
 * parameter checks with upstream's messages.
 */
class ImageListIT {

    static final Map<String, String> NO_PROJECT = Map.of("X-Identity-Status", "Confirmed", "X-Roles", "member");
    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static ImageFixtures rows;
    /** Name to image, in creation order. */
    static final Map<String, Image> byName = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir);
        client = server.client();
        rows = new ImageFixtures(dir);
        add("a-private", image().owner("proj-a").visibility("private").data(NewImage.pattern(300)));
        add("a-shared", image().owner("proj-a").visibility("shared").data(NewImage.pattern(100)));
        add("a-public", image().owner("proj-a").visibility("public").data(NewImage.pattern(200)));
        add("a-community", image().owner("proj-a").visibility("community").data(NewImage.pattern(100)));
        add("b-private", image().owner("proj-b").visibility("private").data(NewImage.pattern(500)));
        add("b-community", image().owner("proj-b").visibility("community").data(NewImage.pattern(200)));
        add("b-public", image().owner("proj-b").visibility("public").data(NewImage.pattern(100)));
        add("a-hidden", image().owner("proj-a").visibility("public").osHidden(true));
        add("nobody-private", image().owner(null).visibility("private").data(NewImage.pattern(400)));
        add("nobody-public", image().owner(null).visibility("public").data(NewImage.pattern(300)));
        add("a-queued", image().owner("proj-a").visibility("private").status(ImageStatus.QUEUED));
        add("a-deleted", image().owner("proj-a").visibility("public"));
        rows.repository().softDelete(byName.get("a-deleted").id(), T0.plusSeconds(100));
    }

    private static void add(String name, NewImage spec) {
        byName.put(name, rows.insert(spec.name(name).createdAt(T0.plusSeconds(byName.size()))));
    }

    @AfterAll
    static void stop() {
        rows.close();
        server.close();
    }

    private static JsonNode list(String query, Map<String, String> who) {
        return ok(client.get("/v2/images" + query, who), 200);
    }

    static List<String> names(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.get("images").forEach(i -> names.add(i.get("name").textValue()));
        return names;
    }

    static List<String> imageIds(JsonNode body) {
        List<String> ids = new ArrayList<>();
        body.get("images").forEach(i -> ids.add(i.get("id").textValue()));
        return ids;
    }

    /** The names, newest first (the default order). */
    private static List<String> newestFirst(String... names) {
        List<String> expected = new ArrayList<>(List.of(names));
        List<String> order = new ArrayList<>(byName.keySet());
        expected.sort(Comparator.comparingInt(order::indexOf).reversed());
        return expected;
    }

    // ---- who sees what ---------------------------------------------------------------------------------------------

    @Test
    void memberSeesPublicImagesAndItsProjectsOwnNewestFirst() {
        assertThat(names(list("", MEMBER_A)))
                .containsExactlyElementsOf(newestFirst(
                        "a-private", "a-shared", "a-public", "a-community", "b-public", "nobody-public", "a-queued"));
    }

    @Test
    void otherProjectSeesOnlyPublicOnesAndItsOwn() {
        assertThat(names(list("", READER_B)))
                .containsExactlyElementsOf(
                        newestFirst("a-public", "b-private", "b-community", "b-public", "nobody-public"));
    }

    @Test
    void adminSeesEveryImageButOtherProjectsCommunityImagesHiddenAndDeletedOnes() {
        assertThat(names(list("", ADMIN_A)))
                .containsExactlyElementsOf(newestFirst(
                        "a-private",
                        "a-shared",
                        "a-public",
                        "a-community",
                        "b-private",
                        "b-public",
                        "nobody-private",
                        "nobody-public",
                        "a-queued"));
        assertThat(names(list("", ADMIN_B))).contains("b-community").doesNotContain("a-community");
    }

    @Test
    void communityImagesOfOthersAppearWhenAskedFor() {
        assertThat(names(list("?visibility=community", MEMBER_A)))
                .containsExactlyElementsOf(newestFirst("a-community", "b-community"));
        assertThat(names(list("?visibility=community", ADMIN_A)))
                .containsExactlyElementsOf(newestFirst("a-community", "b-community"));
    }

    @Test
    void visibilityAllAddsCommunityImagesToWhatTheCallerMaySee() {
        assertThat(names(list("?visibility=all", MEMBER_A)))
                .containsExactlyElementsOf(newestFirst(
                        "a-private",
                        "a-shared",
                        "a-public",
                        "a-community",
                        "b-community",
                        "b-public",
                        "nobody-public",
                        "a-queued"));
    }

    @Test
    void visibilityFiltersWithinWhatTheCallerMaySee() {
        assertThat(names(list("?visibility=shared", READER_B))).isEmpty();
        assertThat(names(list("?visibility=shared", MEMBER_A))).containsExactly("a-shared");
        assertThat(names(list("?visibility=private", ADMIN_A)))
                .containsExactlyElementsOf(newestFirst("a-private", "b-private", "nobody-private", "a-queued"));
        assertThat(names(list("?visibility=public", READER_B)))
                .containsExactlyElementsOf(newestFirst("a-public", "b-public", "nobody-public"));
        assertThat(names(list("?visibility=", ADMIN_A))).isEmpty();
    }

    @Test
    void callerWithoutProjectSeesPublicImagesOnly() {
        assertThat(names(list("", NO_PROJECT)))
                .containsExactlyElementsOf(newestFirst("a-public", "b-public", "nobody-public"));
        assertThat(names(list("?visibility=community", NO_PROJECT)))
                .containsExactlyElementsOf(newestFirst("a-community", "b-community"));
    }

    @Test
    void hiddenImagesAppearOnlyWhenAskedFor() {
        assertThat(names(list("?os_hidden=true", MEMBER_A))).containsExactly("a-hidden");
        assertThat(names(list("?os_hidden=True", READER_B))).containsExactly("a-hidden");
        assertThat(names(list("?os_hidden=false", MEMBER_A))).doesNotContain("a-hidden");
    }

    @Test
    void deletedImagesAreNeverListedWhateverTheParameters() {
        assertThat(names(list("?deleted=true", ADMIN_A))).doesNotContain("a-deleted");
        assertThat(names(list("?status=deleted", ADMIN_A))).isEmpty();
    }

    @Test
    void listItemsAreFullImageViews() {
        JsonNode item = list("?name=a-public", MEMBER_A).get("images").get(0);
        JsonNode shown = ok(client.get("/v2/images/" + item.get("id").textValue(), MEMBER_A), 200);
        assertThat(item).isEqualTo(shown);
        assertThat(keys(item)).containsExactlyElementsOf(ImageShowIT.BASE_KEYS);
    }

    // ---- envelope and links ----------------------------------------------------------------------------------------

    @Test
    void envelopeWithoutParametersHasNoNextWhenThePageIsNotFull() {
        JsonNode body = list("", READER_B);
        assertThat(keys(body)).containsExactly("images", "first", "schema");
        assertThat(body.get("first").textValue()).isEqualTo("/v2/images");
        assertThat(body.get("schema").textValue()).isEqualTo("/v2/schemas/images");
    }

    @Test
    void fullPageLinksTheNextAfterItsLastImage() {
        JsonNode body = list("?limit=2", ADMIN_A);
        List<String> ids = imageIds(body);
        assertThat(ids).hasSize(2);
        assertThat(keys(body)).containsExactly("images", "first", "schema", "next");
        assertThat(body.get("first").textValue()).isEqualTo("/v2/images?limit=2");
        assertThat(body.get("next").textValue()).isEqualTo("/v2/images?limit=2&marker=" + ids.get(1));
    }

    @Test
    void linksEchoEveryParameterButTheMarkerWithTheMarkerLast() {
        String marker = byName.get("a-queued").id();
        JsonNode body = list("?marker=" + marker + "&limit=1&sort_key=name&limit=2", ADMIN_A);
        // Each parameter once, in order of first appearance, with its last value.
        assertThat(body.get("first").textValue()).isEqualTo("/v2/images?limit=2&sort_key=name");
        // But limit=1 counts (upstream pops the first value), and a page of one is full.
        assertThat(names(body)).containsExactly("a-public");
        assertThat(body.get("next").textValue())
                .isEqualTo("/v2/images?limit=2&sort_key=name&marker="
                        + imageIds(body).getFirst());
    }

    @Test
    void linksQuoteParametersAsPythonsUrlencodeDoes() {
        JsonNode body = list("?foo=a+b%2A%7E%2F&limit=5", ADMIN_A);
        assertThat(body.get("first").textValue()).isEqualTo("/v2/images?foo=a+b%2A~%2F&limit=5");
    }

    @Test
    void linksKeepOneValuePerParameterAsUpstreamsDo() {
        // Upstream builds its links from dict(request.params): a repeated parameter keeps only its last value, so
        // the next page of a list with two tags (or two sort_keys) is not the same list. Loupe does the same.
        JsonNode body = list("?tag=x&tag=y&limit=1", ADMIN_A);
        assertThat(body.get("first").textValue()).isEqualTo("/v2/images?tag=y&limit=1");
    }

    @Test
    void lastFullPageStillLinksAnEmptyPage() {
        JsonNode body = list("?limit=3&owner=proj-b&visibility=all", ADMIN_A);
        assertThat(names(body)).containsExactlyElementsOf(newestFirst("b-private", "b-community", "b-public"));
        JsonNode next = ok(client.get(body.get("next").textValue(), ADMIN_A), 200);
        assertThat(names(next)).isEmpty();
        assertThat(next.has("next")).isFalse();
    }

    @Test
    void limitZeroGivesAnEmptyPageWithoutNext() {
        JsonNode body = list("?limit=0", ADMIN_A);
        assertThat(body.get("images")).isEmpty();
        assertThat(body.has("next")).isFalse();
    }

    // ---- paging and sorting ----------------------------------------------------------------------------------------

    @Test
    void followingNextLinksVisitsEveryImageOnceInEveryOrder() {
        // Several keys only in the sort= form: links keep one value per parameter (see the test below).
        List<String> orders = List.of(
                "",
                "&sort_dir=asc",
                "&sort_key=name",
                "&sort_key=name&sort_dir=asc",
                "&sort_key=size&sort_dir=asc",
                "&sort_key=size",
                "&sort=status:asc,size:asc",
                "&sort=disk_format:desc,size:asc",
                "&sort=size:asc,name:desc",
                "&sort=size,id:asc",
                "&sort=updated_at,id",
                "&sort=container_format:asc,size:desc",
                "&sort_key=status&sort_dir=asc");
        for (String order : orders) {
            for (Map<String, String> who : List.of(ADMIN_A, MEMBER_A)) {
                List<String> whole = imageIds(list("?visibility=all&limit=100" + order, who));
                List<String> paged = new ArrayList<>();
                String next = "/v2/images?visibility=all&limit=2" + order;
                while (next != null) {
                    JsonNode page = ok(client.get(next, who), 200);
                    paged.addAll(imageIds(page));
                    next = page.has("next") ? page.get("next").textValue() : null;
                }
                assertThat(paged).as(order).containsExactlyElementsOf(whole);
                assertThat(new HashSet<>(paged)).as(order).hasSize(paged.size());
            }
        }
    }

    @Test
    void sortKeysOrderAsAskedWithCreatedAtAndIdBreakingTies() {
        assertThat(names(list("?sort_key=name&sort_dir=asc&owner=proj-b&visibility=all", ADMIN_A)))
                .containsExactly("b-community", "b-private", "b-public");
        // Sizes: b-public 100, b-community 200, b-private 500; ascending size.
        assertThat(names(list("?sort=size:asc&owner=proj-b&visibility=all", ADMIN_A)))
                .containsExactly("b-public", "b-community", "b-private");
        // Equal sizes (100): a-shared, a-community, b-public; then created_at in the one direction given.
        assertThat(names(list("?sort_key=size&sort_dir=asc&size_max=100&visibility=all", ADMIN_A)))
                .containsExactly("a-shared", "a-community", "b-public");
        // Two directions: the tie-breakers run desc.
        assertThat(names(list("?sort=size:asc,name:asc&size_max=100&visibility=all", ADMIN_A)))
                .containsExactly("a-community", "a-shared", "b-public");
        assertThat(names(list(
                        "?sort_key=size&sort_key=name&sort_dir=desc&sort_dir=asc&size_min=200" + "&visibility=all",
                        ADMIN_A)))
                .containsExactly(
                        "b-private", "nobody-private", "a-private", "nobody-public", "a-public", "b-community");
    }

    @Test
    void nullSizesSortAsZero() {
        assertThat(names(list("?sort_key=size&sort_dir=asc&limit=1", ADMIN_A))).containsExactly("a-queued");
    }

    @Test
    void deletedMarkerWorksForAdminsOnly() {
        String deleted = byName.get("a-deleted").id();
        JsonNode body = list("?marker=" + deleted, ADMIN_A);
        assertThat(names(body))
                .containsExactlyElementsOf(newestFirst(
                        "a-private",
                        "a-shared",
                        "a-public",
                        "a-community",
                        "b-private",
                        "b-public",
                        "nobody-private",
                        "nobody-public",
                        "a-queued"));
        assertJsonError(
                client.get("/v2/images?marker=" + deleted, asJson(MEMBER_A)), 400, "No image found with ID " + deleted);
    }

    @Test
    void markerPagesAfterItsImage() {
        JsonNode body = list("?marker=" + byName.get("nobody-private").id(), ADMIN_A);
        assertThat(names(body))
                .containsExactlyElementsOf(
                        newestFirst("a-private", "a-shared", "a-public", "a-community", "b-private", "b-public"));
    }

    @Test
    void unknownMarkerGives400AndInvisibleMarker403() {
        String unknown = "00000000-0000-0000-0000-000000000000";
        assertJsonError(
                client.get("/v2/images?marker=" + unknown, asJson(ADMIN_A)), 400, "No image found with ID " + unknown);
        assertJsonError(client.get("/v2/images?marker=", asJson(ADMIN_A)), 400, "No image found with ID ");
        String invisible = byName.get("b-private").id();
        assertJsonError(
                client.get("/v2/images?marker=" + invisible, asJson(MEMBER_A)),
                403,
                "Forbidding request, image " + invisible + " not visible");
    }

    // ---- parameter checks ------------------------------------------------------------------------------------------

    @Test
    void badParametersGive400WithUpstreamsMessages() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("limit=abc", "limit param must be an integer");
        cases.put("limit=-1", "limit param must be positive");
        cases.put("limit=1.5", "limit param must be an integer");
        cases.put(
                "sort_key=owner",
                "Invalid sort key: owner. It must be one of the following: name, status,"
                        + " container_format, disk_format, size, id, created_at, updated_at.");
        cases.put("sort_dir=up", "Invalid sort direction: up");
        cases.put("sort=name:ASC", "Invalid sort direction: ASC");
        cases.put("sort=name:asc&sort_key=name", "Old and new sorting syntax cannot be combined");
        cases.put(
                "sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc",
                "Number of sort dirs does not match the number of sort keys");
        cases.put("visibility=everyone", "Invalid visibility value: everyone");
        cases.put("member_status=maybe", "Invalid status: maybe");
        cases.put("changes-since=2026-01-01T00:00:00Z", "The \"changes-since\" filter is no longer available on v2.");
        cases.put(
                "os_hidden=Maybe",
                "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or" + " 'false'.");
        cases.put(
                "protected=True",
                "Invalid value 'True' for 'protected' filter. Valid values are 'true' or" + " 'false'.");
        cases.put("size_min=big", "Unable to filter on a range with a non-numeric value.");
        cases.put("size_max=", "Unable to filter on a range with a non-numeric value.");
        cases.put(
                "created_at=gt:yesterday",
                "Bad \"created_at\" query filter format. Use ISO 8601 DateTime" + " notation.");
        cases.put("updated_at=after:2026-01-01T00:00:00Z", "Unable to filter on a unknown operator.");
        cases.put("name=like:a%25", "Unable to filter by unknown operator 'like'.");
        cases.put("name=in:%22a", "Invalid filter value \"a. The quote is not closed.");
        cases.put(
                "status=in:a%22b%22",
                "Invalid filter value a\"b\". There is no comma before opening quotation" + " mark.");
        cases.forEach(
                (query, message) -> assertJsonError(client.get("/v2/images?" + query, asJson(MEMBER_A)), 400, message));
    }

    @Test
    void checksComeInUpstreamsOrder() {
        // visibility before member_status before limit before sorting before os_hidden before the filters.
        assertJsonError(
                client.get("/v2/images?sort_key=x&limit=x&member_status=x&visibility=x", asJson(MEMBER_A)),
                400,
                "Invalid visibility value: x");
        assertJsonError(
                client.get("/v2/images?sort_key=x&limit=x&member_status=x", asJson(MEMBER_A)),
                400,
                "Invalid status: x");
        assertJsonError(
                client.get("/v2/images?sort_key=x&limit=x", asJson(MEMBER_A)), 400, "limit param must be an integer");
        assertJsonError(
                client.get("/v2/images?os_hidden=x&sort_key=x", asJson(MEMBER_A)),
                400,
                "Invalid sort key: x. It must be one of the following: name, status, container_format,"
                        + " disk_format, size, id, created_at, updated_at.");
        assertJsonError(
                client.get("/v2/images?size_min=x&os_hidden=x", asJson(MEMBER_A)),
                400,
                "Invalid value 'x' for 'os_hidden' filter. Valid values are 'true' or 'false'.");
    }

    @Test
    void memberStatusIsAcceptedAndChangesNothing() {
        assertThat(names(list("?member_status=all", MEMBER_A))).isEqualTo(names(list("", MEMBER_A)));
    }

    @Test
    void unknownParametersAreExtraPropertyFilters() {
        assertThat(names(list("?whatever=1", ADMIN_A))).isEmpty();
    }

    @Test
    void getImagesPolicyRefusalIs403() {
        Path policyDir = dir.resolve("policy-list");
        try (LoupeServer strict = LoupeServer.start(policyDir, policy(dir, "get_images: \"role:admin\"\n"))) {
            assertJsonError(
                    strict.client().get("/v2/images", asJson(MEMBER_A)),
                    403,
                    "You are not authorized to complete get_images action.");
            ok(strict.client().get("/v2/images", ADMIN_A), 200);
        }
    }

    @Test
    void getImagePolicyDropsImagesButPagesOnWhatTheDatabaseGave() {
        Path policyDir = dir.resolve("policy-get");
        try (LoupeServer strict = LoupeServer.start(
                        policyDir, policy(dir, "get_image: \"role:admin or 'public':%(visibility)s\"\n"));
                ImageFixtures strictRows = new ImageFixtures(policyDir)) {
            Image publicOne = strictRows.insert(image().visibility("public").createdAt(T0));
            strictRows.insert(image().visibility("private").createdAt(T0.plusSeconds(1)));
            JsonNode page = ok(strict.client().get("/v2/images?limit=1", MEMBER_A), 200);
            assertThat(page.get("images")).isEmpty();
            assertThat(page.has("next")).isFalse();
            JsonNode both = ok(strict.client().get("/v2/images?limit=2", MEMBER_A), 200);
            assertThat(imageIds(both)).containsExactly(publicOne.id());
            assertThat(both.get("next").textValue()).endsWith("marker=" + publicOne.id());
        }
    }

    @Test
    void defaultLimitAndCapComeFromTheConfiguration() {
        Path limited = dir.resolve("limits");
        try (LoupeServer small =
                        LoupeServer.start(limited, "DEFAULT.limit_param_default=2", "DEFAULT.api_limit_max=3");
                ImageFixtures limitedRows = new ImageFixtures(limited)) {
            for (int i = 0; i < 5; i++) {
                limitedRows.insert(image().createdAt(T0.plusSeconds(i)));
            }
            assertThat(imageIds(ok(small.client().get("/v2/images", ADMIN_A), 200)))
                    .hasSize(2);
            JsonNode capped = ok(small.client().get("/v2/images?limit=1000", ADMIN_A), 200);
            assertThat(imageIds(capped)).hasSize(3);
            assertThat(capped.get("next").textValue()).startsWith("/v2/images?limit=1000&marker=");
        }
        assertThat(imageIds(list("?limit=" + URLEncoder.encode(" 2 ", StandardCharsets.UTF_8), ADMIN_A)))
                .hasSize(2);
    }

    static Set<String> set(List<String> list) {
        return new HashSet<>(list);
    }
}
