package dev.loupe.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.imports.format.DiskFormat;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TransferTest {

    private final List<String> progress = new ArrayList<>();
    private final Transfer transfer = new Transfer(new HashAlgorithm("sha512"), progress::add);

    @Test
    void copiesEveryByteInOrderAndDigestsThemAsTheJdkDoes() throws Exception {
        byte[] data = random(5 * (1 << 20) + 12_345);
        Collecting upload = new Collecting(-1);

        Transfer.Copied copied = transfer.copy(new ByteArrayInputStream(data), OptionalLong.of(data.length), upload);

        assertThat(upload.bytes.toByteArray()).isEqualTo(data);
        assertThat(copied.size()).isEqualTo(data.length);
        assertThat(copied.checksum()).isEqualTo(hex("MD5", data));
        assertThat(copied.hashValue()).isEqualTo(hex("SHA-512", data));
        assertThat(copied.inspection().format()).isEqualTo(DiskFormat.RAW);
        assertThat(importThreads()).isEmpty();
    }

    @Test
    void theConfiguredMultihashIsUsed() throws Exception {
        byte[] data = random(70_000);
        Transfer sha3 = new Transfer(new HashAlgorithm("sha3_256"), message -> {});

        Transfer.Copied copied = sha3.copy(new ByteArrayInputStream(data), OptionalLong.empty(), new Collecting(-1));

        assertThat(copied.hashValue()).isEqualTo(hex("SHA3-256", data));
    }

    @Test
    void anEmptySourceIsAnEmptyImage() throws Exception {
        Transfer.Copied copied = transfer.copy(InputStream.nullInputStream(), OptionalLong.of(0), new Collecting(-1));

        assertThat(copied.size()).isZero();
        assertThat(copied.checksum()).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
    }

    @Test
    void aStoreFailureStopsTheCopyWithTheStoresMessage() {
        byte[] data = random(20 * (1 << 20));
        Collecting upload = new Collecting(3);

        assertThatThrownBy(() -> transfer.copy(new ByteArrayInputStream(data), OptionalLong.empty(), upload))
                .isInstanceOf(StoreFailure.class)
                .hasMessage("disk full");
        assertThat(importThreads()).isEmpty();
    }

    @Test
    void aSourceFailureStopsTheCopyAndItsLanes() {
        InputStream breaking = new InputStream() {
            private int served;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served > 3 * (1 << 20)) {
                    throw new IOException("Source ended after 3145728 of 9999999 bytes");
                }
                served += len;
                return len;
            }
        };

        assertThatThrownBy(() -> transfer.copy(breaking, OptionalLong.of(9_999_999), new Collecting(-1)))
                .isInstanceOf(IOException.class)
                .hasMessage("Source ended after 3145728 of 9999999 bytes");
        assertThat(importThreads()).isEmpty();
    }

    @Test
    void progressSaysHowManyMebibytesOfHowMany() {
        assertThat(Transfer.copied(15 * (1L << 20) + 7, OptionalLong.of(1L << 30)))
                .isEqualTo("Copied 15 MiB of 1024 MiB");
        assertThat(Transfer.copied(3 * (1L << 20), OptionalLong.empty())).isEqualTo("Copied 3 MiB");
    }

    @Test
    void progressAddsTheRateAndTheTimeLeftAfterUpstreamsForm() {
        long mib = 1L << 20;
        assertThat(Transfer.progress(1200 * mib, OptionalLong.of(4096 * mib), 180.0 * mib, null))
                .isEqualTo("Copied 1200 MiB of 4096 MiB (180 MiB/s, about 16 s left)");
        assertThat(Transfer.progress(1200 * mib, OptionalLong.of(4096 * mib), 2.5 * mib, null))
                .isEqualTo("Copied 1200 MiB of 4096 MiB (2.5 MiB/s, about 19 min left)");
        assertThat(Transfer.progress(3 * mib, OptionalLong.empty(), 64 * 1024, null))
                .as("with no known size, the rate only")
                .isEqualTo("Copied 3 MiB (64 KiB/s)");
        assertThat(Transfer.progress(3 * mib, OptionalLong.of(4 * mib), 0, null))
                .as("no rate yet: upstream's form alone")
                .isEqualTo("Copied 3 MiB of 4 MiB");
        assertThat(Transfer.progress(300 * mib, OptionalLong.of(1024 * mib), 100.0 * mib, "resumed at 300 MiB"))
                .isEqualTo("Copied 300 MiB of 1024 MiB (100 MiB/s, about 7 s left; resumed at 300 MiB)");
        assertThat(Transfer.timeLeft(7200.5)).isEqualTo("2 h");
    }

    @Test
    void bytesReadBackGoThroughTheDigestsButNotIntoTheUpload() throws Exception {
        byte[] data = random(3 * (1 << 20) + 777);
        int held = (1 << 20) + 5;
        Collecting upload = new Collecting(-1);

        Transfer.Copied copied = transfer.copy(
                new ByteArrayInputStream(data, 0, held),
                new ByteArrayInputStream(data, held, data.length - held),
                OptionalLong.of(data.length),
                upload,
                new HashAlgorithm("sha256"));

        assertThat(upload.bytes.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(data, held, data.length));
        assertThat(copied.size()).isEqualTo(data.length);
        assertThat(copied.checksum()).isEqualTo(hex("MD5", data));
        assertThat(copied.hashValue()).isEqualTo(hex("SHA-512", data));
        assertThat(copied.digest("sha256")).isEqualTo(hex("SHA-256", data));
        assertThat(copied.digest("md5")).isEqualTo(hex("MD5", data));
        assertThat(importThreads()).isEmpty();
    }

    private static List<Thread> importThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("import-") && t.isAlive())
                .toList();
    }

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    private static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }

    /** Keeps what is written; fails the given write (1-based) with "disk full", or never when negative. */
    private static final class Collecting implements ImageStore.Upload {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int failingWrite;
        private int writes;

        Collecting(int failingWrite) {
            this.failingWrite = failingWrite;
        }

        @Override
        public void write(byte[] b, int offset, int length) throws StoreFailure {
            if (++writes == failingWrite) {
                throw new StoreFailure("disk full");
            }
            bytes.write(b, offset, length);
        }

        @Override
        public String publish() {
            return "memory:";
        }

        @Override
        public void close() {}
    }
}
