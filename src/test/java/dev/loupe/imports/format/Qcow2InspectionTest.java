package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.big;
import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** qcow2 headers that would make a consumer open another file, or that cannot be read, are refused (C11). */
class Qcow2InspectionTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void theExternalDataFileBitAloneIsRefused() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putLong(72, 1L << 2);
        assertThat(inspect(image).refusals()).containsExactly(Qcow2.DATA_FILE);
    }

    @Test
    void theDataFileNameExtensionAloneIsRefused() {
        byte[] image = fixture("qcow2-data-file.qcow2");
        big(image).putLong(72, 0);
        assertThat(inspect(image).refusals()).containsExactly(Qcow2.DATA_FILE);
    }

    @Test
    void unknownIncompatibleFeaturesAreRefused() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putLong(72, 1L << 5);
        assertThat(inspect(image).refusals()).containsExactly("qcow2 image has unknown incompatible features; refused");
    }

    @Test
    void knownHarmlessIncompatibleFeaturesAreAccepted() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putLong(72, 0b11011);
        assertThat(inspect(image).safe()).isTrue();
    }

    @Test
    void aBackingFileNameOfZeroLengthStillCounts() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putLong(8, 4096);
        assertThat(inspect(image).refusals()).containsExactly(Qcow2.BACKING_FILE);
    }

    @Test
    void aTruncatedHeaderIsRefused() {
        Inspection inspection = inspect(Arrays.copyOf(fixture("qcow2-v3.qcow2"), 50));
        assertThat(inspection)
                .isEqualTo(new Inspection(DiskFormat.QCOW2, -1, List.of("qcow2 header is truncated; refused")));
        assertThat(inspect(Arrays.copyOf(fixture("qcow2-v3.qcow2"), 90)).refusals())
                .containsExactly("qcow2 header is truncated; refused");
    }

    @Test
    void otherVersionsAreRefused() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putInt(4, 1);
        assertThat(inspect(image))
                .isEqualTo(new Inspection(DiskFormat.QCOW2, -1, List.of("qcow2 version 1 is not supported; refused")));
    }

    @Test
    void absurdFieldsAreRefused() {
        byte[] size = fixture("qcow2-v3.qcow2");
        big(size).putLong(24, -1);
        assertThat(inspect(size))
                .isEqualTo(new Inspection(
                        DiskFormat.QCOW2, -1, List.of("qcow2 image has an invalid virtual size; refused")));
        byte[] cluster = fixture("qcow2-v3.qcow2");
        big(cluster).putInt(20, 40);
        assertThat(inspect(cluster))
                .isEqualTo(new Inspection(
                        DiskFormat.QCOW2, MIB, List.of("qcow2 image has an invalid cluster size; refused")));
        byte[] header = fixture("qcow2-v3.qcow2");
        big(header).putInt(100, 8);
        assertThat(inspect(header).refusals()).containsExactly("qcow2 header is malformed; refused");
    }

    @Test
    void extensionsRunningPastTheInspectedHeadAreRefused() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putInt(20, 21);
        big(image).putInt(112, 0x12345678).putInt(116, 70_000);
        assertThat(inspect(image).refusals()).containsExactly("qcow2 header extensions could not be read; refused");
    }

    @Test
    void extensionsStopAtTheEndOfTheFirstCluster() {
        byte[] image = fixture("qcow2-v3.qcow2");
        big(image).putInt(20, 9);
        big(image).putInt(112, 0x12345678).putInt(116, 392);
        big(image).putInt(512, 0x44415441).putInt(516, 8);
        assertThat(inspect(image).safe()).isTrue();
    }
}
