package io.paramstream.simulator;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Latency percentiles of a run, in nanoseconds, read from a merged HdrHistogram.
 *
 * @param count number of recorded operations
 * @param curve (percentile, latency nanos) points for a percentile plot, from p0 up to the max
 */
record LatencySummary(
    long count,
    double meanNanos,
    long p50Nanos,
    long p90Nanos,
    long p99Nanos,
    long p999Nanos,
    long maxNanos,
    List<CurvePoint> curve) {

  /** One point of the percentile curve. */
  record CurvePoint(double percentile, long nanos) {}

  // The percentile plot spreads these evenly on a log scale of 1 / (1 - p).
  private static final double[] CURVE_PERCENTILES = {
    0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100
  };

  static LatencySummary of(Histogram histogram) {
    if (histogram.getTotalCount() == 0) {
      return new LatencySummary(0, 0, 0, 0, 0, 0, 0, List.of());
    }
    List<CurvePoint> curve = new ArrayList<>();
    for (double p : CURVE_PERCENTILES) {
      curve.add(new CurvePoint(p, histogram.getValueAtPercentile(p)));
    }
    return new LatencySummary(
        histogram.getTotalCount(),
        histogram.getMean(),
        histogram.getValueAtPercentile(50),
        histogram.getValueAtPercentile(90),
        histogram.getValueAtPercentile(99),
        histogram.getValueAtPercentile(99.9),
        histogram.getMaxValue(),
        List.copyOf(curve));
  }
}
