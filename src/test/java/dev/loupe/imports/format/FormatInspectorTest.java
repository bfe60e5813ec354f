package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture made by make-fixtures.sh is recognised with the virtual size {@code qemu-img info --output=json}
 * printed for it, and with the refusals its kind deserves, however the stream is cut into chunks.
 */
class FormatInspectorTest {

    private static final long MIB = 1024 * 1024;
    /** qemu rounds a 1 MiB vhd up to whole cylinders of its CHS geometry; the footer's current size says so. */
    private static final long VHD_1M = 1_079_296;

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("qcow2-v3.qcow2", new Inspection(DiskFormat.QCOW2, MIB, List.of())),
                Arguments.of("qcow2-v2.qcow2", new Inspection(DiskFormat.QCOW2, MIB, List.of())),
                Arguments.of("qcow2-backing.qcow2", new Inspection(DiskFormat.QCOW2, MIB, List.of(Qcow2.BACKING_FILE))),
                Arguments.of("qcow2-data-file.qcow2", new Inspection(DiskFormat.QCOW2, MIB, List.of(Qcow2.DATA_FILE))),
                Arguments.of("qed.qed", new Inspection(DiskFormat.QED, MIB, List.of())),
                Arguments.of(
                        "qed-backing.qed",
                        new Inspection(DiskFormat.QED, MIB, List.of("qed image has a backing file; refused"))),
                Arguments.of("vmdk-sparse.vmdk", new Inspection(DiskFormat.VMDK, MIB, List.of())),
                Arguments.of("vmdk-stream.vmdk", new Inspection(DiskFormat.VMDK, MIB, List.of())),
                Arguments.of("vmdk-flat.vmdk", new Inspection(DiskFormat.VMDK, -1, List.of(Vmdk.DESCRIPTOR_ONLY))),
                Arguments.of("vmdk-split.vmdk", new Inspection(DiskFormat.VMDK, -1, List.of(Vmdk.DESCRIPTOR_ONLY))),
                Arguments.of(
                        "vmdk-split-s001.vmdk",
                        new Inspection(DiskFormat.VMDK, MIB, List.of(VmdkDescriptor.NO_DESCRIPTOR))),
                Arguments.of("vhd-dynamic.vhd", new Inspection(DiskFormat.VHD, VHD_1M, List.of())),
                Arguments.of("vhd-fixed.vhd", new Inspection(DiskFormat.VHD, VHD_1M, List.of())),
                Arguments.of(Images.VHDX, new Inspection(DiskFormat.VHDX, MIB, List.of())),
                Arguments.of("vdi.vdi", new Inspection(DiskFormat.VDI, MIB, List.of())),
                Arguments.of("ploop.hds", new Inspection(DiskFormat.PLOOP, MIB, List.of())),
                Arguments.of("raw.raw", new Inspection(DiskFormat.RAW, 65_536, List.of())),
                Arguments.of("iso.iso", new Inspection(DiskFormat.ISO, 358_400, List.of())),
                Arguments.of("gpt.img", new Inspection(DiskFormat.GPT, 65_536, List.of())),
                Arguments.of("mbr.img", new Inspection(DiskFormat.MBR, 65_536, List.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void recognisesEachFixture(String name, Inspection expected) {
        assertThat(inspect(fixture(name))).isEqualTo(expected);
    }

    static Stream<Arguments> fixturesByChunkSize() {
        return fixtures()
                .flatMap(f -> IntStream.of(1, 7, 512, 4096, 65_536, 1 << 20, Integer.MAX_VALUE)
                        .mapToObj(chunk -> Arguments.of(f.get()[0], f.get()[1], chunk)));
    }

    @ParameterizedTest(name = "{0} in chunks of {2}")
    @MethodSource("fixturesByChunkSize")
    void chunkSizeDoesNotChangeTheAnswer(String name, Inspection expected, int chunk) {
        assertThat(inspect(fixture(name), chunk)).isEqualTo(expected);
    }

    @Test
    void anEmptyStreamIsAnEmptyRawImage() {
        assertThat(new FormatInspector().finish()).isEqualTo(new Inspection(DiskFormat.RAW, 0, List.of()));
    }

    @Test
    void aFewBytesAreRaw() {
        assertThat(inspect(new byte[] {'Q', 'F', 'I'})).isEqualTo(new Inspection(DiskFormat.RAW, 3, List.of()));
    }

    @Test
    void isFedAndFinishedOnce() {
        FormatInspector inspector = new FormatInspector();
        assertThatThrownBy(() -> inspector.update(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        inspector.update(new byte[4], 0, 4);
        inspector.finish();
        assertThatThrownBy(() -> inspector.update(new byte[4], 0, 4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(inspector::finish).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readsOnlyTheGivenSliceOfEachChunk() {
        byte[] image = fixture("qcow2-backing.qcow2");
        byte[] padded = new byte[image.length + 20];
        System.arraycopy(image, 0, padded, 10, image.length);
        FormatInspector inspector = new FormatInspector();
        inspector.update(padded, 10, 100);
        inspector.update(padded, 110, image.length - 100);
        assertThat(inspector.finish()).isEqualTo(inspect(image));
    }

    @Test
    void aSignatureAtTheStartWinsOverAFixedVhdFooter() {
        byte[] qcow2 = fixture("qcow2-v3.qcow2");
        byte[] footer = fixture("vhd-fixed.vhd");
        byte[] both = Images.grown(qcow2, 512);
        System.arraycopy(footer, footer.length - 512, both, qcow2.length, 512);
        assertThat(inspect(both).format()).isEqualTo(DiskFormat.QCOW2);
    }

    @Test
    void aFixedVhdFooterWinsOverThePartitionTableOfTheDiskItHolds() {
        byte[] disk = fixture("mbr.img");
        byte[] footer = fixture("vhd-fixed.vhd");
        byte[] vhd = Images.grown(disk, 512);
        System.arraycopy(footer, footer.length - 512, vhd, disk.length, 512);
        assertThat(inspect(vhd)).isEqualTo(new Inspection(DiskFormat.VHD, VHD_1M, List.of()));
    }

    @Test
    void aHybridIsoIsAnIso() {
        byte[] iso = fixture("iso.iso");
        byte[] mbr = fixture("mbr.img");
        System.arraycopy(mbr, 0, iso, 0, 512);
        assertThat(inspect(iso).format()).isEqualTo(DiskFormat.ISO);
    }

    @Test
    void aGptOnFourKibSectorsIsAGpt() {
        byte[] image = new byte[16 * 1024];
        image[510] = 0x55;
        image[511] = (byte) 0xaa;
        System.arraycopy("EFI PART".getBytes(), 0, image, 4096, 8);
        assertThat(inspect(image)).isEqualTo(new Inspection(DiskFormat.GPT, image.length, List.of()));
    }

    @Test
    void aBootSignatureWithoutASaneTableIsRaw() {
        byte[] image = fixture("mbr.img");
        image[446] = 0x12;
        assertThat(inspect(image).format()).isEqualTo(DiskFormat.RAW);
        byte[] empty = new byte[1024];
        empty[510] = 0x55;
        empty[511] = (byte) 0xaa;
        assertThat(inspect(empty).format()).isEqualTo(DiskFormat.RAW);
    }

    @Test
    void anIsoWithoutAPrimaryDescriptorHasNoKnownSize() {
        byte[] iso = fixture("iso.iso");
        iso[0x8000] = 2;
        assertThat(inspect(iso)).isEqualTo(new Inspection(DiskFormat.ISO, -1, List.of()));
    }

    /** A hand-made volume: {@code first} at 32 KiB, then a primary descriptor of 20 blocks of 2 KiB, then the end. */
    private static byte[] iso(int firstType, String firstIdentifier) {
        byte[] image = new byte[64 * 1024];
        descriptor(image, 0x8000, firstType, firstIdentifier);
        descriptor(image, 0x8800, 1, "CD001");
        Images.little(image).putInt(0x8800 + 80, 20).putShort(0x8800 + 128, (short) 2048);
        descriptor(image, 0x9000, 255, "CD001");
        return image;
    }

    private static void descriptor(byte[] image, int at, int type, String identifier) {
        image[at] = (byte) type;
        System.arraycopy(identifier.getBytes(StandardCharsets.US_ASCII), 0, image, at + 1, 5);
    }

    @Test
    void theIsoPrimaryDescriptorMayFollowOthers() {
        assertThat(inspect(iso(0, "CD001"))).isEqualTo(new Inspection(DiskFormat.ISO, 40_960, List.of()));
        assertThat(inspect(iso(0, "BEA01"))).isEqualTo(new Inspection(DiskFormat.ISO, 40_960, List.of()));
    }

    @Test
    void truncatedHeadersOfTheSimpleFormatsAreRefused() {
        assertThat(inspect(Arrays.copyOf(fixture("vdi.vdi"), 0x100)))
                .isEqualTo(new Inspection(DiskFormat.VDI, -1, List.of("vdi header is truncated; refused")));
        assertThat(inspect(Arrays.copyOf(fixture("ploop.hds"), 20)))
                .isEqualTo(new Inspection(DiskFormat.PLOOP, -1, List.of("ploop header is truncated; refused")));
        assertThat(inspect(Arrays.copyOf(fixture("qed.qed"), 40)))
                .isEqualTo(new Inspection(DiskFormat.QED, -1, List.of("qed header is truncated; refused")));
    }

    @Test
    void absurdSizesAreRefused() {
        byte[] vdi = fixture("vdi.vdi");
        Images.little(vdi).putLong(0x170, -1);
        assertThat(inspect(vdi).refusals()).containsExactly("vdi image has an invalid size; refused");
        byte[] ploop = fixture("ploop.hds");
        Images.little(ploop).putLong(36, Long.MAX_VALUE / 2);
        assertThat(inspect(ploop))
                .isEqualTo(new Inspection(DiskFormat.PLOOP, -1, List.of("ploop image has an invalid size; refused")));
        byte[] qed = fixture("qed.qed");
        Images.little(qed).putLong(48, Long.MIN_VALUE);
        assertThat(inspect(qed).refusals()).containsExactly("qed image has an invalid virtual size; refused");
    }
}
