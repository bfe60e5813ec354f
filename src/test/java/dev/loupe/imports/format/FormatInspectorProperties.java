package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever bytes arrive, in whatever chunks, inspection answers without throwing, gives the same answer for every
 * chunking, and never takes a damaged or unsafe qcow2, qed or vmdk for a safe one.
 */
class FormatInspectorProperties {

    private static final List<String> FIXTURES = List.of(
            "qcow2-v3.qcow2",
            "qcow2-v2.qcow2",
            "qcow2-backing.qcow2",
            "qcow2-data-file.qcow2",
            "qed.qed",
            "qed-backing.qed",
            "vmdk-sparse.vmdk",
            "vmdk-stream.vmdk",
            "vmdk-flat.vmdk",
            "vmdk-split.vmdk",
            "vmdk-split-s001.vmdk",
            "vhd-dynamic.vhd",
            "vhd-fixed.vhd",
            Images.VHDX,
            "vdi.vdi",
            "ploop.hds",
            "raw.raw",
            "iso.iso",
            "gpt.img",
            "mbr.img");
    private static final Set<String> UNSAFE = Set.of(
            "qcow2-backing.qcow2",
            "qcow2-data-file.qcow2",
            "qed-backing.qed",
            "vmdk-flat.vmdk",
            "vmdk-split.vmdk",
            "vmdk-split-s001.vmdk");
    /** The formats whose headers can send a consumer to another file. */
    private static final Set<DiskFormat> REFERRING = EnumSet.of(DiskFormat.QCOW2, DiskFormat.QED, DiskFormat.VMDK);

    private static final List<byte[]> SIGNATURES = List.of(
            bytes("QFI\u00fb\0\0\0\3"),
            bytes("QFI\u00fb\0\0\0\2"),
            bytes("QED\0"),
            bytes("KDMV"),
            bytes("COWD"),
            bytes("vhdxfile"),
            bytes("conectix"),
            bytes("WithoutFreeSpace"),
            bytes("WithouFreSpacExt"),
            bytes("# Disk DescriptorFile\nversion=1\n"),
            bytes("\u001f\u008b\u0008"),
            bytes("\u00fd7zXZ\0"),
            bytes("BZh91AY&SY"),
            bytes("(\u00b5/\u00fd"));

    @Property(tries = 300)
    void truncatedFixturesNeverThrowAndUnsafeOnesStayUnsafe(
            @ForAll("fixtures") String name,
            @ForAll @IntRange(max = 1_000_000) int cutPermille,
            @ForAll long chunkSeed) {
        byte[] image = fixture(name);
        int length = (int) ((long) image.length * cutPermille / 1_000_000);
        Inspection whole = inspect(image, length, () -> Integer.MAX_VALUE);
        assertThat(inspect(image, length, chunks(chunkSeed))).isEqualTo(whole);
        if (UNSAFE.contains(name)) {
            assertThat(REFERRING.contains(whole.format()) && whole.safe())
                    .as("%s cut to %d: %s", name, length, whole)
                    .isFalse();
        }
    }

    @Property(tries = 500)
    void damagedFixturesNeverThrowAndChunkingDoesNotMatter(
            @ForAll("fixtures") String name, @ForAll long damageSeed, @ForAll long chunkSeed) {
        byte[] image = fixture(name);
        damage(image, new Random(damageSeed));
        Inspection whole = inspect(image, image.length, () -> Integer.MAX_VALUE);
        assertThat(inspect(image, image.length, chunks(chunkSeed))).isEqualTo(whole);
        assertThat(whole.virtualSize()).isGreaterThanOrEqualTo(-1);
    }

    @Property(tries = 500)
    void randomBytesBehindASignatureNeverThrow(@ForAll("signed") byte[] image, @ForAll long chunkSeed) {
        Inspection whole = inspect(image);
        assertThat(inspect(image, image.length, chunks(chunkSeed))).isEqualTo(whole);
        if (REFERRING.contains(whole.format()) && image.length > 1024) {
            // Random header fields name backing files, external descriptors, absurd offsets: never all clear.
            assertThat(whole.safe()).as("%s", whole).isFalse();
        }
    }

    @Property(tries = 300)
    void randomBytesNeverThrow(@ForAll("random") byte[] image, @ForAll long chunkSeed) {
        Inspection whole = inspect(image);
        assertThat(inspect(image, image.length, chunks(chunkSeed))).isEqualTo(whole);
        if (whole.format() == DiskFormat.RAW) {
            assertThat(whole).isEqualTo(new Inspection(DiskFormat.RAW, image.length, List.of()));
        }
    }

    @Provide
    Arbitrary<String> fixtures() {
        return Arbitraries.of(FIXTURES);
    }

    @Provide
    Arbitrary<byte[]> random() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(70_000);
    }

    /** A known signature, then random bytes, sometimes as far as a vhdx region table. */
    @Provide
    Arbitrary<byte[]> signed() {
        Arbitrary<Integer> length = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 2048), Arbitraries.integers().between(2048, 400_000));
        return Combinators.combine(Arbitraries.of(SIGNATURES), length, Arbitraries.longs())
                .as((signature, n, seed) -> {
                    byte[] image = new byte[Math.max(n, signature.length)];
                    new Random(seed).nextBytes(image);
                    System.arraycopy(signature, 0, image, 0, signature.length);
                    return image;
                });
    }

    /** Overwrites a few bytes, mostly in the first 4 KiB where headers live, some anywhere. */
    private static void damage(byte[] image, Random random) {
        int changes = 1 + random.nextInt(16);
        for (int i = 0; i < changes; i++) {
            int bound = random.nextBoolean() ? Math.min(4096, image.length) : image.length;
            image[random.nextInt(bound)] = (byte) random.nextInt(256);
        }
    }

    /** Chunk sizes from 1 byte to 256 KiB, small ones often. */
    private static IntSupplier chunks(long seed) {
        Random random = new Random(seed);
        return () -> 1 + random.nextInt(random.nextBoolean() ? 16 : 256 * 1024);
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }
}
