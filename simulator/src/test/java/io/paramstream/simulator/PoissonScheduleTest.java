package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PoissonScheduleTest {

  @Test
  void next_manySamples_meanGapMatchesRate() {
    double rate = 2_000;
    PoissonSchedule schedule = new PoissonSchedule(rate, 0, 42);
    int n = 200_000;
    long previous = 0;
    double sum = 0;
    double sumSquares = 0;
    for (int i = 0; i < n; i++) {
      long t = schedule.next();
      double gap = t - previous;
      sum += gap;
      sumSquares += gap * gap;
      previous = t;
    }
    double mean = sum / n;
    double expectedMean = 1e9 / rate;
    // The standard error of the mean is expectedMean / sqrt(n) ~ 0.22 %; allow 1 %.
    assertThat(mean).isCloseTo(expectedMean, within(expectedMean * 0.01));
    // Exponential gaps: the standard deviation equals the mean (a fixed-interval schedule fails).
    double sd = Math.sqrt(sumSquares / n - mean * mean);
    assertThat(sd).isCloseTo(expectedMean, within(expectedMean * 0.03));
  }

  @Test
  void next_sameSeed_sameSchedule_otherSeed_differs() {
    PoissonSchedule a = new PoissonSchedule(100, 5, 7);
    PoissonSchedule b = new PoissonSchedule(100, 5, 7);
    PoissonSchedule c = new PoissonSchedule(100, 5, 8);
    boolean differs = false;
    for (int i = 0; i < 100; i++) {
      long ta = a.next();
      assertThat(b.next()).isEqualTo(ta);
      differs |= c.next() != ta;
    }
    assertThat(differs).isTrue();
  }

  @Test
  void next_schedule_doesNotDriftFromItsOrigin() {
    // After n arrivals the intended time is start + n / rate, up to Poisson noise (sqrt(n) gaps),
    // however late the caller is: times are never re-based on when a send actually happened.
    double rate = 10_000;
    long start = 1_000_000_000_000L;
    PoissonSchedule schedule = new PoissonSchedule(rate, start, 3);
    int n = 1_000_000;
    long last = 0;
    for (int i = 0; i < n; i++) {
      last = schedule.next();
    }
    double expected = start + n * 1e9 / rate;
    double noise = Math.sqrt(n) * 1e9 / rate;
    assertThat((double) last).isCloseTo(expected, within(4 * noise));
  }

  @Test
  void next_isMonotonicFromStart() {
    PoissonSchedule schedule = new PoissonSchedule(1e6, 123, 9);
    long previous = 123;
    for (int i = 0; i < 10_000; i++) {
      long t = schedule.next();
      assertThat(t).isGreaterThanOrEqualTo(previous);
      previous = t;
    }
  }

  @Test
  void constructor_nonPositiveRate_isRejected() {
    assertThatThrownBy(() -> new PoissonSchedule(0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PoissonSchedule(Double.NaN, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
