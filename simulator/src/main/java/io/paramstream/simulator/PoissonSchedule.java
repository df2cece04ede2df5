package io.paramstream.simulator;

import java.util.SplittableRandom;

/**
 * The intended send times of an open-loop worker: a Poisson process of a given rate, i.e.
 * exponentially distributed gaps drawn from a seeded generator.
 *
 * <p>Each intended time is the previous intended time plus a gap, never the time the previous send
 * actually happened, so a worker that falls behind does not shift its schedule (the schedule does
 * not drift) and the delay it accumulated shows up in the latency measured from the intended time.
 */
final class PoissonSchedule {
  private final SplittableRandom random;
  private final double meanGapNanos;
  private double nextNanos;

  /**
   * @param ratePerSecond mean arrivals per second, > 0
   * @param startNanos the time origin (e.g. {@link System#nanoTime()} at the start)
   * @param seed seeds the gaps, so a run can be repeated exactly
   */
  PoissonSchedule(double ratePerSecond, long startNanos, long seed) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be finite and > 0, got " + ratePerSecond);
    }
    this.random = new SplittableRandom(seed);
    this.meanGapNanos = 1e9 / ratePerSecond;
    this.nextNanos = startNanos;
  }

  /** The intended time of the next arrival; each call advances the schedule by one gap. */
  long next() {
    // Inverse transform sampling; 1 - u lies in (0, 1], so the logarithm is finite.
    double gap = -Math.log(1.0 - random.nextDouble()) * meanGapNanos;
    nextNanos += gap;
    return (long) nextNanos;
  }

  /** Mean gap between arrivals, in nanoseconds. */
  double meanGapNanos() {
    return meanGapNanos;
  }
}
