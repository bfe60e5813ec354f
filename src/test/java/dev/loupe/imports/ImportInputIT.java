package dev.loupe.imports;

import static dev.loupe.imports.Imports.assertFailed;
import static dev.loupe.imports.Imports.assertNothingLeft;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.fixture;
import static dev.loupe.imports.Imports.input;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Task input an import cannot use (docs/compatibility.md, "Imports"): the task is created (201) and then fails with a message
 * naming the problem, before anything is fetched and before any image row exists. The required-key messages are
 * upstream's; the image-property ones follow Glance's image API.
 */
class ImportInputIT {

    private static final String FORMATS = "ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop";
    private static final String CONTAINERS = "ami, ari, aki, bare, ovf, ova, docker, compressed";
    private static final String PATH = "/never-fetched.raw";

    @TempDir
    static Path dataDir;

    private static SourceServer source;
    private static LoupeServer loupe;

    @BeforeAll
    static void start() {
        source = SourceServer.start();
        source.serve(PATH, fixture("raw.raw"));
        loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source));
    }

    @AfterAll
    static void stop() throws Exception {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.close();
        }
    }

    /** Valid image properties with one key set to a JSON value. */
    private static String with(String key, String json) {
        return "{\"disk_format\": \"raw\", \"container_format\": \"bare\", \"" + key + "\": " + json + "}";
    }

    static Stream<Arguments> unusableInput() {
        return Stream.of(
                Arguments.of(
                        "no import_from_format",
                        null,
                        "import_from_format",
                        "Input does not contain 'import_from_format' field"),
                Arguments.of(
                        "no image_properties",
                        null,
                        "image_properties",
                        "Input does not contain 'image_properties' field"),
                Arguments.of(
                        "image_properties not an object",
                        "[\"raw\"]",
                        null,
                        "image_properties must be an object, not a list"),
                Arguments.of(
                        "read-only status", with("status", "\"active\""), null, "Attribute 'status' is read-only."),
                Arguments.of(
                        "read-only checksum", with("checksum", "\"0123\""), null, "Attribute 'checksum' is read-only."),
                Arguments.of("reserved locations", with("locations", "[]"), null, "Attribute 'locations' is reserved."),
                Arguments.of(
                        "reserved os_glance prefix",
                        with("os_glance_import_task", "\"x\""),
                        null,
                        "Attribute 'os_glance_import_task' is reserved."),
                Arguments.of(
                        "disk_format not in the enum",
                        "{\"disk_format\": \"floppy\"," + " \"container_format\": \"bare\"}",
                        null,
                        "Invalid value for image property 'disk_format': 'floppy' is not one of " + FORMATS),
                Arguments.of(
                        "container_format not in the enum",
                        "{\"disk_format\": \"raw\"," + " \"container_format\": \"tarball\"}",
                        null,
                        "Invalid value for image property 'container_format': 'tarball' is not one of " + CONTAINERS),
                Arguments.of(
                        "disk_format not a string",
                        "{\"disk_format\": 7, \"container_format\": \"bare\"}",
                        null,
                        "Invalid value for image property 'disk_format': expected a string or null," + " not a number"),
                Arguments.of(
                        "extra property not a string",
                        with("hw_cpu_cores", "2"),
                        null,
                        "Invalid value for image property 'hw_cpu_cores': extra properties must be strings,"
                                + " not a number"),
                Arguments.of(
                        "extra property an object",
                        with("hw_meta", "{\"a\": \"b\"}"),
                        null,
                        "Invalid value for image property 'hw_meta': extra properties must be strings, not an object"),
                Arguments.of(
                        "visibility not in the enum",
                        with("visibility", "\"everyone\""),
                        null,
                        "Invalid value for image property 'visibility': 'everyone' is not one of"
                                + " community, public, private, shared"),
                Arguments.of(
                        "negative min_ram",
                        with("min_ram", "-1"),
                        null,
                        "Invalid value for image property 'min_ram': expected a whole number from 0 to 2147483647,"
                                + " not -1"),
                Arguments.of(
                        "tags not a list",
                        with("tags", "\"a,b\""),
                        null,
                        "Invalid value for image property 'tags': expected a list of strings, not a string"),
                Arguments.of(
                        "no disk_format",
                        "{\"container_format\": \"bare\"}",
                        null,
                        "Properties disk_format, container_format must be set prior to saving data."),
                Arguments.of(
                        "no container_format",
                        "{\"disk_format\": \"raw\"}",
                        null,
                        "Properties disk_format, container_format must be set prior to saving data."),
                Arguments.of(
                        "null disk_format",
                        "{\"disk_format\": null, \"container_format\": \"bare\"}",
                        null,
                        "Properties disk_format, container_format must be set prior to saving data."),
                Arguments.of(
                        "no image properties at all",
                        "{}",
                        null,
                        "Properties disk_format, container_format must be set prior to saving data."));
    }

    /**
     * @param imageProperties JSON text of {@code image_properties}, or null to keep valid ones
     * @param removed         an input key to leave out, or null
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unusableInput")
    void unusableInputFailsTheTaskBeforeAnythingIsFetched(
            String description, String imageProperties, String removed, String message) {
        ObjectNode input = input(
                source.url(PATH),
                imageProperties == null
                        ? "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}"
                        : imageProperties);
        if (removed != null) {
            input.remove(removed);
        }
        Client client = loupe.client();
        String id = create(client, input);
        assertFailed(client, id, message);
        assertThat(source.requests(PATH)).as("requests for the source").isZero();
        assertNothingLeft(dataDir);
    }
}
