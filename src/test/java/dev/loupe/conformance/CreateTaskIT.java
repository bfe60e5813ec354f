package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import dev.loupe.testing.Client;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /v2/tasks} as Glance answers it (check order, messages, the created view), with Loupe's
 * differences of docs/compatibility.md. */
class CreateTaskIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    private static HttpResponse<String> post(Map<String, String> identity, String body) {
        return server.client().post("/v2/tasks", asJson(identity), body);
    }

    private static void assertCreateError(String body, String message) {
        assertJsonError(post(ADMIN_A, body), 400, message);
    }

    private static void assertSchemaErrorFirstLine(String body, String firstLine) {
        String message = jsonError(post(ADMIN_A, body), 400);
        assertThat(firstLine(message)).isEqualTo(SCHEMA + firstLine);
    }

    private static JsonNode created(HttpResponse<String> r) {
        return ok(r, 201);
    }

    // ---- 1. policy first -------------------------------------------------------------------------------------

    @Test
    void createAsMemberSays_NotAuthorizedToCompleteTasksApiAccess() {
        assertJsonError(post(MEMBER_A, importBody("http://example.com/x")), 403, FORBIDDEN);
    }

    @Test
    void createAsReaderGives403() {
        assertJsonError(post(Client.READER_B, importBody("http://example.com/x")), 403, FORBIDDEN);
    }

    @Test
    void policyIsCheckedBeforeMalformedBody() {
        assertJsonError(post(MEMBER_A, "{bad"), 403, FORBIDDEN);
    }

    @Test
    void policyIsCheckedBeforeBodyPresence() {
        assertJsonError(server.client().send("POST", "/v2/tasks", asJson(MEMBER_A), null), 403, FORBIDDEN);
    }

    @Test
    void policyIsCheckedBeforeSchema_typoBody() {
        assertJsonError(post(MEMBER_A, "{\"typo\": \"import\", \"input\": {}}"), 403, FORBIDDEN);
    }

    @Test
    void policyIsCheckedBeforeBodySize() {
        assertJsonError(post(MEMBER_A, "{\"pad\": \"" + "x".repeat(70_000) + "\"}"), 403, FORBIDDEN);
    }

    // ---- 2. body present, JSON, object or array --------------------------------------------------------------

    @Test
    void createWithoutBodySays_BodyExpectedInRequest() {
        assertJsonError(
                server.client()
                        .send("POST", "/v2/tasks", with(asJson(ADMIN_A), "Content-Type", "application/json"), null),
                400,
                "Body expected in request.");
    }

    @Test
    void createWithEmptyBodySays_BodyExpectedInRequest() {
        assertCreateError("", "Body expected in request.");
    }

    @Test
    void malformedJsonSays_MalformedJsonInRequestBody() {
        assertCreateError("{\"type\": \"import\", \"input\": {", "Malformed JSON in request body.");
    }

    @Test
    void blankBodySays_MalformedJsonInRequestBody() {
        assertCreateError("   ", "Malformed JSON in request body.");
    }

    @Test
    void trailingDataAfterJsonSays_MalformedJsonInRequestBody() {
        assertCreateError("{\"type\": \"import\", \"input\": {}} x", "Malformed JSON in request body.");
    }

    @Test
    void scalarBodySays_UnexpectedBodyTypeExpectedListDict() {
        assertCreateError("\"import\"", "Unexpected body type. Expected list/dict.");
        assertCreateError("42", "Unexpected body type. Expected list/dict.");
        assertCreateError("null", "Unexpected body type. Expected list/dict.");
    }

    @Test
    void arrayBodyPassesParsingThenSays_TaskTypeIsRequired() {
        assertCreateError("[]", "Task 'type' is required");
    }

    /**
     * Upstream's JSON deserializer decodes the body inside {@code from_json}, whose {@code except ValueError} catches
     * the UnicodeDecodeError first; the "Error decoding your request" message is for undecodable URLs.
     */
    @Test
    void invalidUtf8Says_MalformedJsonInRequestBody() {
        byte[] body = "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/\u00e9\"}}"
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> r = raw(
                server.baseUrl(),
                "POST",
                "/v2/tasks",
                with(asJson(ADMIN_A), "Content-Type", "application/json"),
                HttpRequest.BodyPublishers.ofByteArray(body));
        assertJsonError(r, 400, "Malformed JSON in request body.");
    }

    // ---- 3. type, then input, by key presence ----------------------------------------------------------------

    @Test
    void createWithoutTypeSays_TaskTypeIsRequired() {
        assertCreateError("{\"input\": {\"import_from\": \"http://example.com/x\"}}", "Task 'type' is required");
    }

    @Test
    void createWithoutInputSays_TaskInputIsRequired() {
        assertCreateError("{\"type\": \"import\"}", "Task 'input' is required");
    }

    @Test
    void typoForTypeSays_TaskTypeIsRequired() {
        assertCreateError(
                "{\"typo\": \"import\", \"input\": {\"import_from\": \"http://example.com/x\"}}",
                "Task 'type' is required");
    }

    @Test
    void typeIsCheckedBeforeInput() {
        assertCreateError("{}", "Task 'type' is required");
    }

    @Test
    void presenceIsCheckedBeforeSchemaValidation() {
        assertCreateError("{\"input\": {}, \"foo\": 1}", "Task 'type' is required");
        assertCreateError("{\"type\": \"export\"}", "Task 'input' is required");
        assertCreateError("{\"type\": \"import\", \"foo\": 1}", "Task 'input' is required");
    }

    // ---- 4. schema validation against the raw task schema ----------------------------------------------------

    @Test
    void unknownTypeSays_ExportIsNotOneOfTheThreeTypes() {
        assertSchemaErrorFirstLine("{\"type\": \"export\", \"input\": {}}", "'export' is not one of " + TYPES);
    }

    @Test
    void schemaErrorMessageCarriesJsonschemaDetails() {
        String message = jsonError(post(ADMIN_A, "{\"type\": \"export\", \"input\": {}}"), 400);
        assertThat(message)
                .startsWith(SCHEMA + "'export' is not one of " + TYPES + "\n\n")
                .contains("Failed validating 'enum' in schema['properties']['type']:\n")
                .endsWith("On instance['type']:\n    'export'");
    }

    @Test
    void typeNotAStringSays_1IsNotOneOf() {
        assertSchemaErrorFirstLine("{\"type\": 1, \"input\": {}}", "1 is not one of " + TYPES);
    }

    @Test
    void typeNullPassesPresenceButSays_NoneIsNotOneOf() {
        assertSchemaErrorFirstLine("{\"type\": null, \"input\": {}}", "None is not one of " + TYPES);
    }

    @Test
    void inputNotAnObjectSays_IsNotOfTypeNullObject() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": \"http://127.0.0.1/x\"}",
                "'http://127.0.0.1/x' is not of type 'null', 'object'");
        assertSchemaErrorFirstLine("{\"type\": \"import\", \"input\": []}", "[] is not of type 'null', 'object'");
    }

    @Test
    void unknownTopLevelKeySays_AdditionalPropertiesAreNotAllowed() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/x\"}, \"foo\": 1}",
                "Additional properties are not allowed ('foo' was unexpected)");
    }

    /**
     * Upstream follows its headline with the whole raw schema and the whole body (about 1.5 KB of Python reprs);
     * Loupe keeps the headline exactly and follows it with one readable line of the keys a task body may have.
     */
    @Test
    void unknownTopLevelKeyIsExplainedWithoutASchemaDump() {
        String message = jsonError(
                post(
                        ADMIN_A,
                        "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/x\"}, \"foo\": 1}"),
                400);
        assertThat(firstLine(message))
                .isEqualTo(SCHEMA + "Additional properties are not allowed ('foo' was unexpected)");
        assertThat(message)
                .doesNotContain("Failed validating 'additionalProperties' in schema")
                .doesNotContain("On instance")
                .contains("'type'")
                .contains("'input'")
                .hasSizeLessThan(400);
    }

    @Test
    void taskInputKeySays_TaskInputWasUnexpected() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {}, \"task_input\": {}}",
                "Additional properties are not allowed ('task_input' was unexpected)");
    }

    @Test
    void twoUnknownKeysSay_WereUnexpected() {
        String message = firstLine(
                jsonError(post(ADMIN_A, "{\"type\": \"import\", \"input\": {}, \"a\": 1," + " \"b\": 2}"), 400));
        assertThat(message)
                .startsWith(SCHEMA + "Additional properties are not allowed (")
                .contains("'a'")
                .contains("'b'")
                .endsWith(" were unexpected)");
    }

    @Test
    void knownReadOnlyKeysAreAcceptedAndIgnored() {
        HttpResponse<String> r = post(ADMIN_A, """
                {"type": "import", "status": "success", "id": "11111111-2222-3333-4444-555555555555",
                 "owner": "someone-else", "result": {"x": 1}, "message": "hello", "expires_at": null,
                 "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z", "self": "/x",
                 "schema": "/y", "image_id": "top-level-image", "request_id": "top-level-req", "user_id": "someone",
                 "input": {"import_from": "http://example.com/x"}}
                """);
        JsonNode task = created(r);
        assertThat(keys(task)).containsExactlyInAnyOrderElementsOf(FULL_KEYS);
        assertThat(task.get("id").asText()).isNotEqualTo("11111111-2222-3333-4444-555555555555");
        assertThat(task.get("status").asText()).isEqualTo("pending");
        assertThat(task.get("owner").asText()).isEqualTo("proj-a");
        assertThat(task.get("result").isNull()).isTrue();
        assertThat(task.get("message").asText()).isEmpty();
        assertThat(task.get("user_id").asText()).isEqualTo("admin-a");
        assertThat(task.get("request_id").asText()).isNotEqualTo("top-level-req");
        assertThat(task.get("self").asText())
                .isEqualTo("/v2/tasks/" + task.get("id").asText());
        assertThat(task.get("created_at").asText()).doesNotStartWith("2000");
    }

    @Test
    void messageNullIsRejected_NoneIsNotOfTypeString() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {}, \"message\": null}", "None is not of type 'string'");
    }

    @Test
    void badIdPatternIsRejected() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {}, \"id\": \"abc\"}",
                "'abc' does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                        + "-([0-9a-fA-F]){12}$'");
    }

    @Test
    void bogusStatusIsRejected() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {}, \"status\": \"bogus\"}",
                "'bogus' is not one of ['pending', 'processing', 'success', 'failure']");
    }

    @Test
    void resultNotAnObjectIsRejected() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {}, \"result\": \"x\"}", "'x' is not of type 'null', 'object'");
    }

    @Test
    void duplicateKeysKeepTheLastValue() {
        JsonNode task = created(post(
                ADMIN_A,
                "{\"type\": \"export\", \"type\": \"import\", \"input\":"
                        + " {\"import_from\": \"http://example.com/x\"}}"));
        assertThat(task.get("type").asText()).isEqualTo("import");
    }

    @Test
    void schemaIsCheckedBeforeImportFrom() {
        assertSchemaErrorFirstLine(
                "{\"type\": \"import\", \"input\": {\"import_from\": \"ftp://x/y\"}, \"foo\": 1}",
                "Additional properties are not allowed ('foo' was unexpected)");
    }

    // ---- 6. import_from at create (C7) -----------------------------------------------------------------------

    @Test
    void inputNullSays_InvalidLocationNone() {
        assertCreateError(
                "{\"type\": \"import\", \"input\": null}",
                "Invalid location: None (input does not contain 'import_from')");
    }

    @Test
    void inputWithoutImportFromSays_InvalidLocationNone() {
        assertCreateError(
                "{\"type\": \"import\", \"input\": {}}",
                "Invalid location: None (input does not contain 'import_from')");
    }

    @Test
    void importFromNullSays_InvalidLocationNone() {
        assertCreateError(
                "{\"type\": \"import\", \"input\": {\"import_from\": null}}",
                "Invalid location: None (import_from is null)");
    }

    @Test
    void importFromEmptySays_InvalidLocationEmpty() {
        assertCreateError(importBody(""), "Invalid location: ");
    }

    @Test
    void fileUriSays_FileBasedImportsAreNotAllowed() {
        assertCreateError(importBody("file:///etc/passwd"), FILE_BASED);
        assertCreateError(importBody("filesystem:///var/lib/x"), FILE_BASED);
    }

    @Test
    void ftpSays_TheGivenUriIsNotValid() {
        assertCreateError(importBody("ftp://127.0.0.1:9393/tiny.raw"), NOT_VALID_URI);
    }

    @Test
    void otherSchemesSay_TheGivenUriIsNotValid() {
        for (String uri : new String[] {
            "swift://account/container/obj",
            "cinder://volume-id",
            "file://host/etc/passwd",
            "HTTP://example.com/x",
            "Https://example.com/x"
        }) {
            assertCreateError(importBody(uri), NOT_VALID_URI);
        }
    }

    @Test
    void notAUrlSays_TheGivenUriIsNotValid() {
        assertCreateError(importBody("tiny.raw"), NOT_VALID_URI);
    }

    @Test
    void explicitPortOutsideDefaultAllowedPortsFailsFiltering() {
        assertCreateError(
                importBody("http://127.0.0.1:9393/x"),
                FILTERING + "http://127.0.0.1:9393/x (port 9393 is not in allowed_ports)");
        assertCreateError(
                importBody("http://example.com:8080/x"),
                FILTERING + "http://example.com:8080/x (port 8080 is not in allowed_ports)");
    }

    @Test
    void explicitDefaultPortsPassFiltering() {
        created(post(ADMIN_A, importBody("http://127.0.0.1:80/x")));
        created(post(ADMIN_A, importBody("https://example.com:443/x")));
    }

    @Test
    void numericHostEncodingsFailFiltering() {
        for (String uri : new String[] {"http://2130706433/x", "http://127.1/x", "http://0x7f000001/x"}) {
            assertCreateError(importBody(uri), FILTERING + uri + " (the host is not a valid host name or address)");
        }
    }

    @Test
    void httpsIsAcceptedThoughTheMessageListsOnlyHttp() {
        JsonNode task = created(post(ADMIN_A, importBody("https://example.com/image.raw")));
        assertThat(task.get("input").get("import_from").asText()).isEqualTo("https://example.com/image.raw");
    }

    @Test
    void apiImageImportIsAccepted201WithoutImportFrom() {
        JsonNode task = created(post(ADMIN_A, "{\"type\": \"api_image_import\", \"input\": {\"foo\": \"bar\"}}"));
        assertThat(task.get("type").asText()).isEqualTo("api_image_import");
        assertThat(task.get("status").asText()).isEqualTo("pending");
        assertThat(task.get("input")).isEqualTo(object("{\"foo\": \"bar\"}"));
    }

    @Test
    void locationImportIsAccepted201() {
        JsonNode task = created(post(
                ADMIN_A,
                "{\"type\": \"location_import\", \"input\": {\"image_id\":"
                        + " \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"}}"));
        assertThat(task.get("type").asText()).isEqualTo("location_import");
        assertThat(task.get("image_id").asText()).isEqualTo("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    }

    // ---- 10. the created view ---------------------------------------------------------------------------------

    @Test
    void createGives201WithAbsoluteLocationAndRelativeSelf() {
        HttpResponse<String> r = post(ADMIN_A, importBody("http://example.com/image.raw"));
        JsonNode task = created(r);
        String id = task.get("id").asText();
        assertThat(id).matches(UUID);
        assertThat(r.headers().firstValue("Location")).hasValue(server.baseUrl() + "/v2/tasks/" + id);
        assertThat(task.get("self").asText()).isEqualTo("/v2/tasks/" + id);
        assertThat(task.get("schema").asText()).isEqualTo("/v2/schemas/task");
    }

    @Test
    void createViewHasExactlyTheFullKeySet() {
        JsonNode task = created(post(ADMIN_A, importBody("http://example.com/image.raw")));
        assertThat(keys(task)).containsExactlyInAnyOrderElementsOf(FULL_KEYS);
    }

    @Test
    void createViewIsPendingWithEmptyMessageNullResultAndNoExpiry() {
        String body = "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/x\","
                + " \"import_from_format\": \"qcow2\", \"image_properties\": {\"disk_format\": \"vhd\","
                + " \"container_format\": \"ovf\"}}}";
        JsonNode task = created(post(ADMIN_A, body));
        assertThat(task.get("status").asText()).isEqualTo("pending");
        assertThat(task.get("type").asText()).isEqualTo("import");
        assertThat(task.get("input")).isEqualTo(parse(body).get("input"));
        assertThat(task.get("owner").asText()).isEqualTo("proj-a");
        assertThat(task.get("user_id").asText()).isEqualTo("admin-a");
        assertThat(task.get("message").isTextual()).isTrue();
        assertThat(task.get("message").asText()).isEmpty();
        assertThat(task.get("result").isNull()).isTrue();
        assertThat(task.has("expires_at")).isFalse();
        assertThat(task.has("image_id")).isFalse();
        assertThat(task.get("created_at").asText()).matches(ISOTIME);
        assertThat(task.get("updated_at").asText())
                .isEqualTo(task.get("created_at").asText());
    }

    @Test
    void inputIsStoredVerbatimIncludingUnknownKeys() {
        String body = "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/x\","
                + " \"backend\": \"fast\", \"nested\": {\"a\": [1, 2.5, true, null]}, \"extra\": \"kept\"}}";
        JsonNode task = created(post(ADMIN_A, body));
        assertThat(task.get("input")).isEqualTo(parse(body).get("input"));
        JsonNode shown = ok(server.client().get("/v2/tasks/" + task.get("id").asText(), ADMIN_A), 200);
        assertThat(shown.get("input")).isEqualTo(parse(body).get("input"));
    }

    @Test
    void nonAsciiIsNotEscaped() {
        HttpResponse<String> r = post(
                ADMIN_A,
                "{\"type\": \"import\", \"input\": {\"import_from\":"
                        + " \"http://example.com/x\", \"image_properties\": {\"name\": \"caf\u00e9 \u65e5\u672c\"}}}");
        created(r);
        assertThat(r.body()).contains("caf\u00e9 \u65e5\u672c").doesNotContain("\\u00e9");
    }

    @Test
    void imageIdIsPresentWhenInputImageIdIsGiven() {
        JsonNode task = created(post(
                ADMIN_A,
                "{\"type\": \"import\", \"input\": {\"import_from\":"
                        + " \"http://example.com/x\", \"image_id\": \"not-a-uuid\"}}"));
        assertThat(keys(task)).containsExactlyInAnyOrderElementsOf(union(FULL_KEYS, "image_id"));
        assertThat(task.get("image_id").asText()).isEqualTo("not-a-uuid");
        JsonNode shown = ok(server.client().get("/v2/tasks/" + task.get("id").asText(), ADMIN_A), 200);
        assertThat(shown.get("image_id").asText()).isEqualTo("not-a-uuid");
    }

    @Test
    void imageIdIsAbsentWhenInputImageIdIsEmpty() {
        JsonNode task = created(post(
                ADMIN_A,
                "{\"type\": \"import\", \"input\": {\"import_from\":"
                        + " \"http://example.com/x\", \"image_id\": \"\"}}"));
        assertThat(task.has("image_id")).isFalse();
    }

    @Test
    void requestIdStoresCallersIdVerbatimWhileHeaderIsPrefixed() {
        HttpResponse<String> r = server.client()
                .post(
                        "/v2/tasks",
                        with(ADMIN_A, "X-Openstack-Request-Id", "my-req-0001"),
                        importBody("http://example.com/x"));
        JsonNode task = created(r);
        assertThat(task.get("request_id").asText()).isEqualTo("my-req-0001");
        assertThat(r.headers().firstValue("x-openstack-request-id")).hasValue("req-my-req-0001");
        JsonNode shown = ok(server.client().get("/v2/tasks/" + task.get("id").asText(), ADMIN_A), 200);
        assertThat(shown.get("request_id").asText()).isEqualTo("my-req-0001");
    }

    @Test
    void generatedRequestIdIsReqUuidAndMatchesTheHeader() {
        HttpResponse<String> r = post(ADMIN_A, importBody("http://example.com/x"));
        JsonNode task = created(r);
        assertThat(task.get("request_id").asText()).matches("req-" + UUID);
        assertThat(r.headers().firstValue("x-openstack-request-id"))
                .hasValue(task.get("request_id").asText());
    }

    @Test
    void requestIdOfExactly64CharactersIsAccepted() {
        String id = "r".repeat(64);
        HttpResponse<String> r = server.client()
                .post("/v2/tasks", with(ADMIN_A, "X-Openstack-Request-Id", id), importBody("http://example.com/x"));
        assertThat(created(r).get("request_id").asText()).isEqualTo(id);
        assertThat(r.headers().firstValue("x-openstack-request-id")).hasValue("req-" + id);
    }

    @Test
    void textPlainContentTypeGives415() {
        HttpResponse<String> r = server.client()
                .post(
                        "/v2/tasks",
                        with(asJson(ADMIN_A), "Content-Type", "text/plain"),
                        importBody("http://example.com/x"));
        assertThat(jsonError(r, 415)).isNotBlank();
    }

    @Test
    void xmlContentTypeGives415() {
        HttpResponse<String> r = server.client()
                .post(
                        "/v2/tasks",
                        with(asJson(ADMIN_A), "Content-Type", "application/xml"),
                        importBody("http://example.com/x"));
        assertThat(jsonError(r, 415)).isNotBlank();
    }

    @Test
    void missingContentTypeIsAccepted() {
        HttpResponse<String> r = raw(
                server.baseUrl(),
                "POST",
                "/v2/tasks",
                asJson(ADMIN_A),
                HttpRequest.BodyPublishers.ofString(importBody("http://example.com/x")));
        assertThat(r.request().headers().firstValue("Content-Type")).isEmpty();
        created(r);
    }

    @Test
    void jsonWithCharsetIsAccepted() {
        created(server.client()
                .post(
                        "/v2/tasks",
                        with(ADMIN_A, "Content-Type", "application/json; charset=UTF-8"),
                        importBody("http://example.com/x")));
    }

    @Test
    void jsonPatchContentTypeIsParsedAsJson() {
        HttpResponse<String> r = server.client()
                .post(
                        "/v2/tasks",
                        with(asJson(ADMIN_A), "Content-Type", "application/openstack-images-v2.1-json-patch"),
                        "{\"type\": \"import\", \"input\": {}}");
        assertJsonError(r, 400, "Invalid location: None (input does not contain 'import_from')");
    }

    @Test
    void bodyOver65536BytesGives413() {
        HttpResponse<String> r = post(ADMIN_A, paddedImportBody(65_537));
        assertThat(jsonError(r, 413)).isNotBlank();
    }

    @Test
    void bodyOfExactly65536BytesIsAccepted() {
        created(post(ADMIN_A, paddedImportBody(65_536)));
    }

    @Test
    void chunkedBodyCountsAsABody() {
        byte[] body = importBody("http://example.com/chunked").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = raw(
                server.baseUrl(),
                "POST",
                "/v2/tasks",
                with(ADMIN_A, "Content-Type", "application/json"),
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        assertThat(created(r).get("input").get("import_from").asText()).isEqualTo("http://example.com/chunked");
    }

    @Test
    void chunkedBodyOverTheLimitGives413() {
        byte[] body = paddedImportBody(70_000).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = raw(
                server.baseUrl(),
                "POST",
                "/v2/tasks",
                with(asJson(ADMIN_A), "Content-Type", "application/json"),
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        assertThat(jsonError(r, 413)).isNotBlank();
    }

    @Test
    void createdTaskIsListedAndShown() {
        JsonNode task = created(post(ADMIN_A, importBody("http://example.com/listed")));
        String id = task.get("id").asText();
        JsonNode list = ok(server.client().get("/v2/tasks?id=" + id, ADMIN_A), 200);
        assertThat(ids(list)).containsExactly(id);
        assertThat(ok(server.client().get("/v2/tasks/" + id, ADMIN_A), 200)).isEqualTo(task);
    }

    @Test
    void createThroughAVersionPrefixStillAnswersV2Links() {
        HttpResponse<String> r = server.client().post("/v2.2/tasks", ADMIN_A, importBody("http://example.com/x"));
        JsonNode task = created(r);
        String id = task.get("id").asText();
        assertThat(r.headers().firstValue("Location")).hasValue(server.baseUrl() + "/v2/tasks/" + id);
        assertThat(task.get("self").asText()).isEqualTo("/v2/tasks/" + id);
    }

    @Test
    void taskOwnerIsTheCallersProjectAndUserTheCaller() {
        JsonNode task = created(server.client().post("/v2/tasks", Client.ADMIN_B, importBody("http://example.com/x")));
        assertThat(task.get("owner").asText()).isEqualTo("proj-b");
        assertThat(task.get("user_id").asText()).isEqualTo("admin-b");
    }

    /** An import body of exactly {@code size} bytes (ASCII). */
    private static String paddedImportBody(int size) {
        String head = "{\"type\": \"import\", \"input\": {\"import_from\": \"http://example.com/x\", \"pad\": \"";
        String tail = "\"}}";
        String body = head + "x".repeat(size - head.length() - tail.length()) + tail;
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(size);
        return body;
    }

    private static java.util.Set<String> union(java.util.Set<String> set, String extra) {
        java.util.Set<String> all = new java.util.HashSet<>(set);
        all.add(extra);
        return all;
    }
}
