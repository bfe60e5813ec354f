package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static dev.loupe.imports.format.Images.little;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A vmdk is safe only as one sparse file carrying a descriptor that names that file alone (C11); the descriptor is
 * read wherever the header puts it.
 */
class VmdkInspectionTest {

    private static final long MIB = 1024 * 1024;
    private static final int DESCRIPTOR_AT = 512;
    private static final int DESCRIPTOR_LENGTH = 20 * 512;
    private static final String HEAD = "# Disk DescriptorFile\nversion=1\nCID=f2af7384\nparentCID=ffffffff\n";
    private static final String SELF = "RW 2048 SPARSE \"disk.vmdk\"\n";
    private static final String SPARSE = "createType=\"monolithicSparse\"\n";

    /** The sparse fixture with its descriptor replaced by {@code text}. */
    private static byte[] withDescriptor(String text) {
        byte[] image = fixture("vmdk-sparse.vmdk");
        Arrays.fill(image, DESCRIPTOR_AT, DESCRIPTOR_AT + DESCRIPTOR_LENGTH, (byte) 0);
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, image, DESCRIPTOR_AT, bytes.length);
        return image;
    }

    private static List<String> refusals(String descriptor) {
        return inspect(withDescriptor(descriptor)).refusals();
    }

    @Test
    void aSingleSparseExtentUnderAnyBareNameIsSafe() {
        assertThat(inspect(withDescriptor(HEAD + SPARSE + SELF)))
                .isEqualTo(new Inspection(DiskFormat.VMDK, MIB, List.of()));
        assertThat(refusals(HEAD + "createType = \"streamOptimized\"\r\n  RW 2048 SPARSE \"my disk.vmdk\"\r\n"))
                .isEmpty();
    }

    @Test
    void aParentIsRefused() {
        assertThat(refusals(HEAD + SPARSE + SELF + "parentFileNameHint=\"base.vmdk\"\n"))
                .containsExactly(VmdkDescriptor.PARENT);
        assertThat(refusals(HEAD.replace("parentCID=ffffffff", "parentCID=12345678") + SPARSE + SELF))
                .containsExactly(VmdkDescriptor.PARENT);
    }

    @Test
    void extentsInOtherFilesAreRefused() {
        assertThat(refusals(HEAD + SPARSE + "RW 2048 FLAT \"disk-flat.vmdk\" 0\n"))
                .containsExactly("vmdk image refers to another file: RW 2048 FLAT \"disk-flat.vmdk\" 0; refused");
        assertThat(refusals(HEAD + SPARSE + "RDONLY 2048 SPARSE \"/etc/passwd\"\n"))
                .containsExactly("vmdk image refers to another file: RDONLY 2048 SPARSE \"/etc/passwd\"; refused");
        assertThat(refusals(HEAD + SPARSE + "RW 2048 SPARSE \"..\\\\other.vmdk\"\n"))
                .hasSize(1);
        assertThat(refusals(HEAD + SPARSE + "RW 2048 SPARSE\n")).hasSize(1);
        assertThat(refusals(HEAD + SPARSE + SELF + "NOACCESS 2048 SPARSE \"other.vmdk\"\n"))
                .containsExactly("vmdk image has 2 extents; refused");
    }

    @Test
    void multiFileCreateTypesAreRefused() {
        assertThat(refusals(HEAD + "createType=\"twoGbMaxExtentSparse\"\n" + SELF))
                .containsExactly("vmdk create type 'twoGbMaxExtentSparse' refers to other files; refused");
        assertThat(refusals(HEAD + SELF)).containsExactly("vmdk descriptor has no createType; refused");
        assertThat(refusals(HEAD + SPARSE)).containsExactly("vmdk descriptor names no extent; refused");
    }

    @Test
    void anEmptyDescriptorIsRefused() {
        assertThat(refusals("")).containsExactly(VmdkDescriptor.NO_DESCRIPTOR);
        byte[] image = fixture("vmdk-sparse.vmdk");
        little(image).putLong(28, 0);
        assertThat(inspect(image).refusals()).containsExactly(VmdkDescriptor.NO_DESCRIPTOR);
    }

    @Test
    void aZeroCapacityIsRefusedBecauseQemuWouldThenFollowTheDescriptor() {
        byte[] image = fixture("vmdk-sparse.vmdk");
        little(image).putLong(12, 0);
        assertThat(inspect(image))
                .isEqualTo(new Inspection(DiskFormat.VMDK, 0, List.of("vmdk image has zero capacity; refused")));
    }

    @Test
    void absurdDescriptorPlacesAreRefusedWithoutAllocating() {
        byte[] large = fixture("vmdk-sparse.vmdk");
        little(large).putLong(36, 1L << 40);
        assertThat(inspect(large).refusals()).containsExactly("vmdk descriptor is too large; refused");
        byte[] far = fixture("vmdk-sparse.vmdk");
        little(far).putLong(28, 1L << 40);
        assertThat(inspect(far).refusals()).containsExactly("vmdk descriptor is truncated; refused");
        byte[] beyond = fixture("vmdk-sparse.vmdk");
        little(beyond).putLong(28, -2);
        assertThat(inspect(beyond).refusals()).containsExactly(VmdkDescriptor.NO_DESCRIPTOR);
        byte[] capacity = fixture("vmdk-sparse.vmdk");
        little(capacity).putLong(12, Long.MAX_VALUE / 4);
        assertThat(inspect(capacity))
                .isEqualTo(new Inspection(DiskFormat.VMDK, -1, List.of("vmdk image has an invalid capacity; refused")));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4096, 1 << 20})
    void aDescriptorFarIntoTheStreamIsCapturedAsItPasses(int chunk) {
        byte[] image = Images.grown(withDescriptor(""), 4 * 1024 * 1024);
        int sector = 6000;
        byte[] text = (HEAD + SPARSE + "RW 2048 FLAT \"x\" 0\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, image, sector * 512, text.length);
        little(image).putLong(28, sector);
        assertThat(inspect(image, chunk).refusals())
                .containsExactly("vmdk image refers to another file: RW 2048 FLAT \"x\" 0; refused");
    }

    @Test
    void descriptorFilesAreRefusedAsQemuWouldProbeThem() {
        for (String text : List.of(
                "version=1\nRW 2048 FLAT \"/dev/sda\" 0\n",
                "# comment\n   \r\n\nversion=3\r\n",
                HEAD + SPARSE + SELF)) {
            assertThat(inspect(text.getBytes(StandardCharsets.US_ASCII)))
                    .isEqualTo(new Inspection(DiskFormat.VMDK, -1, List.of(Vmdk.DESCRIPTOR_ONLY)));
        }
        for (String text : List.of("# just a comment\n", "hello\nversion=1\n", "version=\n", "version=x\n")) {
            assertThat(inspect(text.getBytes(StandardCharsets.US_ASCII)).format())
                    .isEqualTo(DiskFormat.RAW);
        }
    }

    @Test
    void theLegacyCowdLayoutIsRefused() {
        byte[] image = new byte[4096];
        System.arraycopy("COWD".getBytes(StandardCharsets.US_ASCII), 0, image, 0, 4);
        assertThat(inspect(image))
                .isEqualTo(
                        new Inspection(DiskFormat.VMDK, -1, List.of("vmdk image in the legacy COWD format; refused")));
    }

    @Test
    void aTruncatedHeaderIsRefused() {
        assertThat(inspect(Arrays.copyOf(fixture("vmdk-sparse.vmdk"), 40)))
                .isEqualTo(new Inspection(DiskFormat.VMDK, -1, List.of("vmdk header is truncated; refused")));
    }

    @Test
    void aTruncatedDescriptorIsRefused() {
        assertThat(inspect(Arrays.copyOf(fixture("vmdk-sparse.vmdk"), 1000)).refusals())
                .containsExactly("vmdk descriptor is truncated; refused");
    }

    /** A streamOptimized file whose header says the real header is the footer at the end. */
    private static byte[] streamWithFooter(long footerCapacity) {
        byte[] stream = fixture("vmdk-stream.vmdk");
        little(stream).putLong(56, -1);
        byte[] image = Images.grown(stream, 1536);
        System.arraycopy(stream, 0, image, stream.length + 512, 512);
        little(image).putLong(stream.length + 512 + 12, footerCapacity).putLong(stream.length + 512 + 56, 0x1a);
        return image;
    }

    @Test
    void aStreamFooterMustRepeatTheHeader() {
        assertThat(inspect(streamWithFooter(2048), 7)).isEqualTo(new Inspection(DiskFormat.VMDK, MIB, List.of()));
        assertThat(inspect(streamWithFooter(0)).refusals())
                .containsExactly("vmdk stream footer does not match its header; refused");
        byte[] missing = fixture("vmdk-stream.vmdk");
        little(missing).putLong(56, -1);
        assertThat(inspect(missing).refusals()).containsExactly("vmdk stream footer is missing; refused");
    }
}
