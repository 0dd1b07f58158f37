package ai.t2vzero.scheduler;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimestepSpacingTest {

    @Test
    void leadingAddsTheOffset() {
        // (np.arange(0, 4) * (1000 // 4)).round()[::-1] + 1
        assertArrayEquals(new double[] {751, 501, 251, 1}, TimestepSpacing.LEADING.descending(1000, 4, 1));
    }

    @Test
    void linspaceIsNotRounded() {
        // np.linspace(0, 999, 7)[::-1]
        assertArrayEquals(new double[] {999.0, 832.5, 666.0, 499.5, 333.0, 166.5, 0.0},
                TimestepSpacing.LINSPACE.descending(1000, 7, 1));
        assertArrayEquals(new double[] {0.0}, TimestepSpacing.LINSPACE.descending(1000, 1, 0));
    }

    @Test
    void ddimRoundsLinspaceHalfToEven() {
        // np.linspace(0, 999, 20).round()[::-1].astype(np.int64)
        double[] expected = {999, 946, 894, 841, 789, 736, 684, 631, 578, 526, 473, 421, 368, 315, 263, 210, 158, 105,
                53, 0};
        DDIMScheduler s = new DDIMScheduler(SchedulerTestSupport.config(Schedulers.DDIM,
                "\"timestep_spacing\": \"linspace\""));
        s.setTimesteps(20);
        assertArrayEquals(expected, s.timesteps());
    }

    @Test
    void trailing() {
        // np.round(np.arange(1000, 0, -1000 / 3)) - 1
        assertArrayEquals(new double[] {999, 666, 332}, TimestepSpacing.TRAILING.descending(1000, 3, 1));
        // np.round(np.arange(1000, 0, -1000 / 7)) - 1
        assertArrayEquals(new double[] {999, 856, 713, 570, 428, 285, 142}, TimestepSpacing.TRAILING.descending(1000, 7, 0));
    }

    @Test
    void stepCountIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> TimestepSpacing.LEADING.descending(1000, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> TimestepSpacing.LEADING.descending(1000, 1001, 1));
    }
}
