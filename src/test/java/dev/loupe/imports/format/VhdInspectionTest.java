package dev.loupe.imports.format;

import static dev.loupe.imports.format.Images.big;
import static dev.loupe.imports.format.Images.fixture;
import static dev.loupe.imports.format.Images.inspect;
import static dev.loupe.imports.format.Images.little;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** vhd and vhdx: a disk that needs a parent is refused, and a vhdx whose metadata cannot be read too. */
class VhdInspectionTest {

    private static final long MIB = 1024 * 1024;
    /** Where qemu-img put things in the vhdx fixture. */
    private static final int REGION_TABLES = 192 * 1024;

    private static final int TABLE = 64 * 1024;
    private static final int METADATA_REGION = 3 * 1024 * 1024;
    private static final int METADATA_ENTRY_IN_REGION_TABLE = 16 + 32;
    private static final int FILE_PARAMETERS_ITEM = METADATA_REGION + 0x10000;
    private static final int PAGE83_ENTRY = METADATA_REGION + 32 + 2 * 32;
    /** A8D35F2D-B30B-454D-ABF7-D3D84834AB0C in the specification's mixed-endian layout. */
    private static final byte[] PARENT_LOCATOR_GUID = {
        0x2d,
        0x5f,
        (byte) 0xd3,
        (byte) 0xa8,
        0x0b,
        (byte) 0xb3,
        0x4d,
        0x45,
        (byte) 0xab,
        (byte) 0xf7,
        (byte) 0xd3,
        (byte) 0xd8,
        0x48,
        0x34,
        (byte) 0xab,
        0x0c
    };

    @Test
    void aDifferencingVhdIsRefused() {
        byte[] image = fixture("vhd-dynamic.vhd");
        big(image).putInt(60, 4);
        assertThat(inspect(image).refusals()).containsExactly(Vhd.DIFFERENCING);
    }

    @Test
    void aVhdFooterNeedsAWholeSector() {
        byte[] footer = Arrays.copyOfRange(fixture("vhd-fixed.vhd"), 1_079_808 - 512, 1_079_808 - 1);
        assertThat(inspect(footer).format()).isEqualTo(DiskFormat.RAW);
    }

    @Test
    void anAbsurdVhdSizeIsRefused() {
        byte[] image = fixture("vhd-dynamic.vhd");
        big(image).putLong(48, -512);
        assertThat(inspect(image))
                .isEqualTo(new Inspection(DiskFormat.VHD, -1, List.of("vhd image has an invalid size; refused")));
    }

    @Test
    void aVhdxWithTheHasParentFlagIsRefused() {
        byte[] image = fixture(Images.VHDX);
        image[FILE_PARAMETERS_ITEM + 4] |= 2;
        assertThat(inspect(image)).isEqualTo(new Inspection(DiskFormat.VHDX, MIB, List.of(Vhdx.PARENT)));
    }

    @Test
    void aVhdxWithAParentLocatorIsRefused() {
        byte[] image = fixture(Images.VHDX);
        System.arraycopy(PARENT_LOCATOR_GUID, 0, image, PAGE83_ENTRY, 16);
        assertThat(inspect(image).refusals()).containsExactly(Vhdx.PARENT);
    }

    @Test
    void theSecondRegionTableStandsInForABrokenFirst() {
        byte[] image = fixture(Images.VHDX);
        image[REGION_TABLES + 100] ^= 1;
        assertThat(inspect(image)).isEqualTo(new Inspection(DiskFormat.VHDX, MIB, List.of()));
        image[REGION_TABLES + TABLE + 100] ^= 1;
        assertThat(inspect(image))
                .isEqualTo(new Inspection(
                        DiskFormat.VHDX, -1, List.of("vhdx region table is missing or corrupt; refused")));
    }

    @Test
    void aVhdxWithoutMetadataIsRefused() {
        byte[] noRegion = fixture(Images.VHDX);
        for (int table = REGION_TABLES; table < REGION_TABLES + 2 * TABLE; table += TABLE) {
            noRegion[table + METADATA_ENTRY_IN_REGION_TABLE] ^= 1;
            sealRegionTable(noRegion, table);
        }
        assertThat(inspect(noRegion).refusals()).containsExactly("vhdx image has no metadata region; refused");
        byte[] badTable = fixture(Images.VHDX);
        badTable[METADATA_REGION] = 'X';
        assertThat(inspect(badTable)).isEqualTo(new Inspection(DiskFormat.VHDX, -1, List.of(Vhdx.UNREADABLE_METADATA)));
    }

    @Test
    void aTruncatedVhdxIsRefused() {
        assertThat(inspect(Arrays.copyOf(fixture(Images.VHDX), 320 * 1024)))
                .isEqualTo(new Inspection(DiskFormat.VHDX, -1, List.of(Vhdx.UNREADABLE_METADATA)));
        assertThat(inspect(Arrays.copyOf(fixture(Images.VHDX), 100 * 1024)).refusals())
                .containsExactly("vhdx region table is missing or corrupt; refused");
    }

    @Test
    void anAbsurdVhdxSizeIsRefused() {
        byte[] image = fixture(Images.VHDX);
        little(image).putLong(METADATA_REGION + 0x10008, -1);
        assertThat(inspect(image))
                .isEqualTo(new Inspection(DiskFormat.VHDX, -1, List.of("vhdx image has an invalid size; refused")));
    }

    /** No window limits where metadata may be: each table is captured as it passes, and only the tables are kept. */
    @ParameterizedTest
    @ValueSource(ints = {4096, 1 << 20, Integer.MAX_VALUE})
    void metadataFarIntoTheStreamIsStillRead(int chunk) {
        int moved = 40 * 1024 * 1024;
        byte[] image = Images.grown(fixture(Images.VHDX), moved);
        System.arraycopy(image, METADATA_REGION, image, moved, 1024 * 1024);
        Arrays.fill(image, METADATA_REGION, METADATA_REGION + 1024 * 1024, (byte) 0);
        for (int table = REGION_TABLES; table < REGION_TABLES + 2 * TABLE; table += TABLE) {
            little(image).putLong(table + METADATA_ENTRY_IN_REGION_TABLE + 16, moved);
            sealRegionTable(image, table);
        }
        assertThat(inspect(image, chunk)).isEqualTo(new Inspection(DiskFormat.VHDX, MIB, List.of()));
    }

    /** Whether a table has streamed past depends on where the request came from, never on the chunk sizes. */
    @ParameterizedTest
    @ValueSource(ints = {1, 4096, 1 << 20, Integer.MAX_VALUE})
    void metadataPlacedBeforeTheRegionTableIsNeverRead(int chunk) {
        int early = 160 * 1024;
        byte[] image = fixture(Images.VHDX);
        System.arraycopy(image, METADATA_REGION, image, early, 32 * 1024);
        for (int table = REGION_TABLES; table < REGION_TABLES + 2 * TABLE; table += TABLE) {
            little(image).putLong(table + METADATA_ENTRY_IN_REGION_TABLE + 16, early);
            sealRegionTable(image, table);
        }
        assertThat(inspect(image, chunk))
                .isEqualTo(new Inspection(DiskFormat.VHDX, -1, List.of(Vhdx.UNREADABLE_METADATA)));
    }

    /** Rewrites a region table's CRC-32C, computed with its own field zeroed. */
    private static void sealRegionTable(byte[] image, int table) {
        little(image).putInt(table + 4, 0);
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.wrap(image, table, TABLE));
        little(image).putInt(table + 4, (int) crc.getValue());
    }
}
