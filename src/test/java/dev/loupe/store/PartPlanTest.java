package dev.loupe.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartPlanTest {

    private static final long MIB = 1 << 20;
    private static final long GIB = 1L << 30;

    @Test
    void withGlanceDefaultsATerabyteFitsInTenThousandPartsThatStartAtTheConfiguredSize() {
        PartPlan plan = new PartPlan(10 * MIB, 10_000, 1L << 40);

        assertThat(plan.capacity()).isGreaterThanOrEqualTo(1L << 40);
        assertThat(plan.size(1)).isEqualTo(10 * MIB);
        // A 4 GiB image never sees a part larger than the configured size.
        assertThat(plan.size((int) (4 * GIB / (10 * MIB)) + 1)).isEqualTo(10 * MIB);
        assertThat(plan.size(10_000)).isLessThanOrEqualTo(200 * MIB);
        long total = 0;
        for (int n = 1; n <= 10_000; n++) {
            assertThat(plan.size(n)).isGreaterThanOrEqualTo(plan.size(Math.max(1, n - 1)));
            total += plan.size(n);
        }
        assertThat(total).isEqualTo(plan.capacity());
    }

    @Test
    void partsKeepTheirSizeWhenTheCapFitsWithoutGrowing() {
        PartPlan plan = new PartPlan(10 * MIB, 10_000, 50 * GIB);

        assertThat(plan.size(1)).isEqualTo(10 * MIB);
        assertThat(plan.size(10_000)).isEqualTo(10 * MIB);
    }

    @Test
    void partsNeverExceedFiveGibibytes() {
        PartPlan plan = new PartPlan(5 * GIB, 10_000, Long.MAX_VALUE);

        assertThat(plan.size(10_000)).isEqualTo(5 * GIB);
        assertThat(plan.capacity()).isEqualTo(10_000 * 5 * GIB);
    }

    @Test
    void fewPartsGrowStepByStep() {
        PartPlan plan = new PartPlan(5 * MIB, 4, 30 * MIB);

        assertThat(new long[] {plan.size(1), plan.size(2), plan.size(3), plan.size(4)})
                .containsExactly(5 * MIB, 5 * MIB, 10 * MIB, 10 * MIB);
    }

    /** An upload's parts in flight: 32 MiB of them, at least 2, at most the threads. */
    @Test
    void partsInFlightFitInABudgetButAreAtLeastTwoAndAtMostTheThreads() {
        assertThat(S3Store.partsInFlight(10 * MIB, 10)).isEqualTo(2);
        assertThat(S3Store.partsInFlight(4 * MIB, 10)).isEqualTo(4);
        assertThat(S3Store.partsInFlight(2 * MIB, 4)).isEqualTo(4);
        assertThat(S3Store.partsInFlight(100 * MIB, 10)).isEqualTo(2);
        assertThat(S3Store.partsInFlight(10 * MIB, 1)).isEqualTo(1);
    }
}
