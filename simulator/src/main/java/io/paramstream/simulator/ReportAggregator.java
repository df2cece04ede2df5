package io.paramstream.simulator;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** Combines what the workers measured into run totals. */
final class ReportAggregator {
  private ReportAggregator() {}

  /** One histogram holding every worker's recorded latencies. */
  static Histogram mergeHistograms(Collection<Histogram> perWorker) {
    Histogram merged = new Histogram(WorkerStats.HIGHEST_TRACKABLE_NANOS, 3);
    for (Histogram h : perWorker) {
      merged.add(h);
    }
    return merged;
  }

  /** Error counts by status code name, summed over workers, sorted by code name. */
  static Map<String, Long> mergeErrors(Collection<Map<String, Long>> perWorker) {
    Map<String, Long> merged = new TreeMap<>();
    for (Map<String, Long> errors : perWorker) {
      errors.forEach((code, count) -> merged.merge(code, count, Long::sum));
    }
    return merged;
  }
}
