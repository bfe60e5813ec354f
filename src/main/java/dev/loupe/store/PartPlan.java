package dev.loupe.store;

/**
 * The part sizes of a multipart upload whose length is not known in advance (a store never learns it): S3 allows
 * 10,000 parts of 5 MiB to 5 GiB (the last one may be smaller), and the largest image allowed must fit. Parts keep
 * the configured size as long as possible and then grow linearly, one step every {@link #step} parts, the step
 * chosen as long as the size cap still fits: an image much smaller than the cap never sees a larger part, and
 * memory (parts in flight times their size) grows only with images that need it.
 */
final class PartPlan {

    static final long MAX_PART = 5L << 30;

    private final long base;
    private final int maxParts;
    private final int step;

    PartPlan(long base, int maxParts, long sizeCap) {
        this.base = base;
        this.maxParts = maxParts;
        int chosen = 1;
        for (int step = maxParts; step >= 1; step--) {
            if (capacity(base, maxParts, step) >= sizeCap) {
                chosen = step;
                break;
            }
        }
        this.step = chosen;
    }

    /** The size of part {@code number} (1-based). */
    long size(int number) {
        long times = (number - 1L) / step + 1;
        return times > MAX_PART / base ? MAX_PART : Math.min(MAX_PART, base * times);
    }

    int maxParts() {
        return maxParts;
    }

    /** Bytes the upload can hold at most. */
    long capacity() {
        return capacity(base, maxParts, step);
    }

    private static long capacity(long base, int maxParts, int step) {
        long total = 0;
        int groups = maxParts / step;
        for (long g = 1; g <= groups; g++) {
            total += step * Math.min(MAX_PART, base * g);
        }
        total += (long) (maxParts % step) * Math.min(MAX_PART, base * (groups + 1L));
        return total;
    }
}
