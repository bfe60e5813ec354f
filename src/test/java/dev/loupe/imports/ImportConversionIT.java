package dev.loupe.imports;

import static dev.loupe.imports.Imports.assertFailed;
import static dev.loupe.imports.Imports.assertImported;
import static dev.loupe.imports.Imports.assertStoreMatchesRows;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.files;
import static dev.loupe.imports.Imports.fixture;
import static dev.loupe.imports.Imports.md5;
import static dev.loupe.imports.Imports.sha512;
import static dev.loupe.imports.Imports.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.DebianPackages;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code [taskflow_executor] conversion_format = qcow2}: imports in another format are stored converted, measured
 * as stored; unsafe sources are refused before qemu-img reads them, and the scratch copy never outlives the task.
 * Needs qemu-img (Debian qemu-utils), installed when the tests run as root.
 */
class ImportConversionIT {

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    @TempDir
    static Path dataDir;

    @TempDir
    static Path scratch;

    private static SourceServer source;
    private static LoupeServer loupe;
    private static Client client;

    @BeforeAll
    static void start() {
        DebianPackages.require("qemu-utils", "qemu-img", "--version");
        source = SourceServer.start();
        loupe = LoupeServer.withWorkers(
                dataDir,
                UnaryOperator.identity(),
                Imports.reaching(source, "taskflow_executor.conversion_format=qcow2"));
        client = loupe.client();
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

    @AfterEach
    void noScratchLeft() {
        assertThat(files(dataDir, "work"))
                .as("files in the conversion scratch folder")
                .isEmpty();
    }

    /** Virtual sizes as in ImportSuccessIT: what qemu-img reports for the fixtures (vhd with -f vpc). */
    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({"raw.raw, raw, raw, 65536", "vhd-dynamic.vhd, vhd, vpc, 1079296"})
    void anImageInAnotherFormatIsStoredAsQcow2(String fixture, String diskFormat, String qemuFormat, long virtualSize)
            throws Exception {
        byte[] original = fixture(fixture);
        String path = "/convert/" + fixture;
        source.serve(path, original);
        String taskId = create(client, source.url(path), diskFormat);

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        byte[] bytes = stored(image);
        assertThat(Arrays.copyOf(bytes, 4)).isEqualTo(QCOW2_MAGIC);
        assertThat(image.diskFormat()).isEqualTo("qcow2");
        assertThat(image.containerFormat()).isEqualTo("bare");
        assertThat(image.size()).isEqualTo(bytes.length);
        assertThat(image.checksum()).isEqualTo(md5(bytes)).isNotEqualTo(md5(original));
        assertThat(image.osHashAlgo()).isEqualTo("sha512");
        assertThat(image.osHashValue()).isEqualTo(sha512(bytes));
        assertThat(image.virtualSize()).isEqualTo(virtualSize);
        // The converted disk holds the same guest data as the source, as qemu-img itself judges.
        Path sourceFile = scratch.resolve(fixture);
        Files.write(sourceFile, original);
        assertThat(qemuImg(
                        "compare",
                        "-f",
                        qemuFormat,
                        "-F",
                        "qcow2",
                        sourceFile.toString(),
                        Path.of(java.net.URI.create(image.location())).toString()))
                .as("qemu-img compare exit status")
                .isZero();
    }

    @Test
    void anImageAlreadyInTheTargetFormatIsStoredAsItCame() {
        byte[] original = fixture("qcow2-v3.qcow2");
        source.serve("/already.qcow2", original);
        String taskId = create(client, source.url("/already.qcow2"), "qcow2");

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(stored(image)).isEqualTo(original);
        assertThat(image.checksum()).isEqualTo(md5(original));
        assertThat(image.virtualSize()).isEqualTo(1_048_576L);
    }

    @Test
    void aMisdeclaredSourceIsRefusedBeforeConversionAndItsScratchCopyRemoved() {
        source.serve("/misdeclared.raw", fixture("qcow2-backing.qcow2"));
        String taskId = create(client, source.url("/misdeclared.raw"), "raw");
        assertFailed(
                client,
                taskId,
                "Image content is qcow2 but disk_format says raw; refused;"
                        + " qcow2 image has a backing file; refused");
        assertStoreMatchesRows(dataDir, taskId);
    }

    @Test
    void aVmdkWithAnExternalExtentIsRefusedBeforeConversion() {
        source.serve("/split.vmdk", fixture("vmdk-split.vmdk"));
        String taskId = create(client, source.url("/split.vmdk"), "vmdk");
        assertFailed(client, taskId, "vmdk descriptor file without data; refused");
        assertStoreMatchesRows(dataDir, taskId);
    }

    private static int qemuImg(String... arguments) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            process.getInputStream().transferTo(OutputStream.nullOutputStream());
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("qemu-img " + String.join(" ", arguments) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return process.exitValue();
    }
}
