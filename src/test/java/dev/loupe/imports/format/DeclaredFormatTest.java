package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Content must be what the declared {@code disk_format} says (C10, C11): the check the import pipeline makes. */
class DeclaredFormatTest {

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({
        "qcow2-v3.qcow2, qcow2",
        "qcow2-v2.qcow2, qcow2",
        "vmdk-sparse.vmdk, vmdk",
        "vmdk-stream.vmdk, vmdk",
        "vhd-dynamic.vhd, vhd",
        "vhd-fixed.vhd, vhd",
        "vhdx.vhdx, vhdx",
        "vdi.vdi, vdi",
        "ploop.hds, ploop",
        "iso.iso, iso",
        "raw.raw, raw",
        "raw.raw, ami",
        "raw.raw, ari",
        "raw.raw, aki",
        "gpt.img, raw",
        "gpt.img, ami",
        "mbr.img, raw",
        "mbr.img, aki"
    })
    void matchingContentIsAccepted(String name, String diskFormat) {
        assertThat(inspect(fixture(name)).refusalsFor(diskFormat)).isEmpty();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({
        "qcow2-v3.qcow2, raw, qcow2",
        "qcow2-v3.qcow2, ami, qcow2",
        "qcow2-v3.qcow2, vmdk, qcow2",
        "vmdk-sparse.vmdk, raw, vmdk",
        "vhd-dynamic.vhd, raw, vhd",
        "vhd-fixed.vhd, raw, vhd",
        "vhdx.vhdx, vhd, vhdx",
        "vdi.vdi, raw, vdi",
        "ploop.hds, raw, ploop",
        "iso.iso, raw, iso",
        "raw.raw, qcow2, raw",
        "raw.raw, iso, raw",
        "gpt.img, iso, gpt",
        "mbr.img, vhd, mbr",
        "qed.qed, raw, qed",
        "qed.qed, qcow2, qed",
        "raw.raw, bogus, raw"
    })
    void mismatchedContentIsRefused(String name, String diskFormat, String detected) {
        assertThat(inspect(fixture(name)).refusalsFor(diskFormat))
                .containsExactly("Image content is " + detected + " but disk_format says " + diskFormat + "; refused");
    }

    @Test
    void aMismatchComesBeforeTheContentsOwnRefusals() {
        Inspection backing = inspect(fixture("qcow2-backing.qcow2"));
        assertThat(backing.refusalsFor("raw"))
                .containsExactly("Image content is qcow2 but disk_format says raw; refused", Qcow2.BACKING_FILE);
        assertThat(backing.refusalsFor("qcow2")).containsExactly(Qcow2.BACKING_FILE);
        assertThat(inspect(fixture("vmdk-flat.vmdk")).refusalsFor("vmdk")).containsExactly(Vmdk.DESCRIPTOR_ONLY);
    }

    @Test
    void onlyGlanceDiskFormatsAreSatisfied() {
        assertThat(DiskFormat.GPT.satisfies("gpt")).isFalse();
        assertThat(DiskFormat.QED.satisfies("qed")).isFalse();
        assertThat(DiskFormat.RAW.satisfies("RAW")).isFalse();
        assertThat(DiskFormat.ISO.satisfies("raw")).isFalse();
    }

    @Test
    void anInspectionKeepsItsOwnCopyOfTheRefusals() {
        List<String> refusals = new ArrayList<>(List.of("x"));
        Inspection inspection = new Inspection(DiskFormat.RAW, 1, refusals);
        refusals.clear();
        assertThat(inspection.refusals()).containsExactly("x");
        assertThat(inspection.safe()).isFalse();
    }
}
