package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compressed data is no disk image, whatever it is declared as: it is recognised by its magic number and refused
 * with a message naming what it is. Raw bytes that merely resemble a magic number stay raw.
 */
class CompressedContentTest {

    /** {@code printf 'loupe\n' | xz -c}, as xz 5 writes it. */
    private static final byte[] XZ =
            hex("fd377a585a000004e6d6b4460200210116000000742fe5a30100056c6f7570650a00000034439ca7"
                    + "78de935e00011e06c12fa41d1fb6f37d010000000004595a");
    /** {@code printf 'loupe\n' | bzip2 -c}. */
    private static final byte[] BZIP2 =
            hex("425a683931415926535992979109000001418000100204c200200021800c015736e2ee48a70a12" + "1252f22120");
    /** {@code printf '' | bzip2 -c}: no block, only the end-of-stream magic. */
    private static final byte[] BZIP2_EMPTY = hex("425a683917724538509000000000");
    /** {@code printf 'loupe\n' | zstd -c}. */
    private static final byte[] ZSTD = hex("28b52ffd04583100006c6f7570650a84cbd2e0");

    private static byte[] hex(String digits) {
        return HexFormat.of().parseHex(digits);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Test
    void gzipIsRecognisedAndRefusedAsRaw() {
        Inspection inspection = inspect(gzip(fixture("raw.raw")));
        assertThat(inspection).isEqualTo(new Inspection(DiskFormat.GZIP, -1, List.of()));
        assertThat(inspection.refusalsFor("raw"))
                .containsExactly("Image content is gzip-compressed data, not a raw disk image; refused");
    }

    @Test
    void aCompressedDiskImageIsCompressedDataNotTheImageInside() {
        Inspection inspection = inspect(gzip(fixture("qcow2-v3.qcow2")));
        assertThat(inspection.format()).isEqualTo(DiskFormat.GZIP);
        assertThat(inspection.refusalsFor("qcow2"))
                .containsExactly("Image content is gzip-compressed data, not a qcow2 disk image; refused");
    }

    @ParameterizedTest(name = "as {0}")
    @CsvSource({
        "raw, a raw",
        "ami, an ami",
        "aki, an aki",
        "ari, an ari",
        "iso, an iso",
        "qcow2, a qcow2",
        "vmdk, a vmdk",
        "vhd, a vhd",
        "vhdx, a vhdx",
        "vdi, a vdi",
        "ploop, a ploop"
    })
    void compressedDataMatchesNoDeclaration(String diskFormat, String named) {
        assertThat(inspect(ZSTD).refusalsFor(diskFormat))
                .containsExactly("Image content is zstd-compressed data, not " + named + " disk image; refused");
    }

    @Test
    void xzBzip2AndZstdAreRecognisedFromRealStreams() {
        assertThat(inspect(XZ)).isEqualTo(new Inspection(DiskFormat.XZ, -1, List.of()));
        assertThat(inspect(BZIP2)).isEqualTo(new Inspection(DiskFormat.BZIP2, -1, List.of()));
        assertThat(inspect(BZIP2_EMPTY)).isEqualTo(new Inspection(DiskFormat.BZIP2, -1, List.of()));
        assertThat(inspect(ZSTD)).isEqualTo(new Inspection(DiskFormat.ZSTD, -1, List.of()));
        assertThat(inspect(XZ).refusalsFor("raw"))
                .containsExactly("Image content is xz-compressed data, not a raw disk image; refused");
        assertThat(inspect(BZIP2).refusalsFor("raw"))
                .containsExactly("Image content is bzip2-compressed data, not a raw disk image; refused");
    }

    @Test
    void aLargeCompressedStreamIsRecognisedWhateverTheChunks() {
        byte[] image = Arrays.copyOf(gzip(fixture("raw.raw")), 3 * 64 * 1024);
        Inspection whole = inspect(image);
        assertThat(whole.format()).isEqualTo(DiskFormat.GZIP);
        assertThat(inspect(image, 1)).isEqualTo(whole);
        assertThat(inspect(image, 4097)).isEqualTo(whole);
    }

    /** A raw disk can start with anything: near misses of a magic number, or one further in, are raw. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "1f8b07000000000000",
                "1f8b08e00000000000",
                "001f8b080000000000",
                "fd377a585a01000000",
                "fd377a585aff000000",
                "425a683031415926535900",
                "425a683a31415926535900",
                "425a683931415926530000",
                "425a6839",
                "28b52ffc000000",
                "28b52f",
                "0028b52ffd000000"
            })
    void nearMissesStayRaw(String head) {
        byte[] image = Arrays.copyOf(hex(head), 4096);
        assertThat(inspect(image)).isEqualTo(new Inspection(DiskFormat.RAW, 4096, List.of()));
    }

    @Test
    void aMagicNumberAfterOffsetZeroIsRaw() {
        byte[] image = new byte[4096];
        System.arraycopy(gzip(new byte[16]), 0, image, 512, 20);
        assertThat(inspect(image)).isEqualTo(new Inspection(DiskFormat.RAW, 4096, List.of()));
    }
}
