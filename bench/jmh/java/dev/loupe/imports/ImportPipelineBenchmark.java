package dev.loupe.imports;

import dev.loupe.imports.format.FormatInspector;
import dev.loupe.store.ImageStore;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU side of an import, without network or disk: {@code mib} MiB from memory through md5, sha512 and the
 * format inspector. {@link #transfer} is Loupe's pipeline (two lanes); {@link #oneThread} is the same work done
 * in order on one thread, as the first version did; the digests alone show what the machine's digests cost.
 * Throughput in MiB/s = mib * 1000 / (ms per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ImportPipelineBenchmark {

    private static final int CHUNK = 1 << 20;

    @Param("256")
    int mib;

    private byte[] block;

    @Setup
    public void setUp() {
        block = new byte[CHUNK];
        new Random(42).nextBytes(block);
    }

    @Benchmark
    public Transfer.Copied transfer() throws Exception {
        return new Transfer(new HashAlgorithm("sha512"), message -> {}).copy(source(), OptionalLong.empty(), DISCARD);
    }

    @Benchmark
    public Object oneThread() throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        FormatInspector inspector = new FormatInspector();
        for (int i = 0; i < mib; i++) {
            md5.update(block, 0, CHUNK);
            sha512.update(block, 0, CHUNK);
            inspector.update(block, 0, CHUNK);
        }
        return new Object[] {md5.digest(), sha512.digest(), inspector.finish()};
    }

    @Benchmark
    public byte[] md5Only() throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        for (int i = 0; i < mib; i++) {
            md5.update(block, 0, CHUNK);
        }
        return md5.digest();
    }

    @Benchmark
    public byte[] sha512Only() throws Exception {
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        for (int i = 0; i < mib; i++) {
            sha512.update(block, 0, CHUNK);
        }
        return sha512.digest();
    }

    @Benchmark
    public Object inspectorOnly() {
        FormatInspector inspector = new FormatInspector();
        for (int i = 0; i < mib; i++) {
            inspector.update(block, 0, CHUNK);
        }
        return inspector.finish();
    }

    /** {@code mib} copies of the block, as a source that allocates nothing per read. */
    private InputStream source() {
        return new InputStream() {
            private long left = (long) mib * CHUNK;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(Math.min(len, left), CHUNK);
                System.arraycopy(block, 0, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    private static final ImageStore.Upload DISCARD = new ImageStore.Upload() {
        @Override
        public void write(byte[] bytes, int offset, int length) {}

        @Override
        public String publish() {
            return "discarded:";
        }

        @Override
        public void close() {}
    };
}
