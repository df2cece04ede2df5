package io.paramstream.simulator;

import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushSession;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A well-behaved worker: pushes a small group one push at a time on one session and records each
 * push's latency, so its percentiles can be compared alone and under attack.
 */
public final class ProbePusher {

  private final ParamstreamClient client;
  private final String group;
  private final float[] gradient;

  public ProbePusher(ParamstreamClient client, String group, int size) {
    this.client = client;
    this.group = group;
    this.gradient = new float[size];
    Arrays.fill(gradient, 1e-3f);
  }

  /** Pushes {@code warmup} unmeasured, then {@code pushes} measured; returns their latencies. */
  public Latencies run(int warmup, int pushes) {
    Histogram histogram = new Histogram(3);
    pushInto(null, warmup);
    pushInto(histogram, pushes);
    return Latencies.of(histogram);
  }

  /**
   * Pushes {@code pushes} times on a fresh session, recording each latency into {@code histogram}
   * (unless null), so blocks measured at different times can be merged.
   */
  public void pushInto(Histogram histogram, int pushes) {
    try (PushSession session = client.openPushSession()) {
      for (int i = 0; i < pushes; i++) {
        long start = System.nanoTime();
        session.push(Map.of(group, gradient)).join();
        if (histogram != null) {
          histogram.recordValue(System.nanoTime() - start);
        }
      }
    }
  }

  /** Push latencies in nanoseconds. */
  public record Latencies(long count, long p50Nanos, long p99Nanos, long maxNanos) {

    public static Latencies of(Histogram histogram) {
      return new Latencies(
          histogram.getTotalCount(),
          histogram.getValueAtPercentile(50),
          histogram.getValueAtPercentile(99),
          histogram.getMaxValue());
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%d pushes: p50 %.3f ms, p99 %.3f ms, max %.3f ms",
          count,
          p50Nanos / 1e6,
          p99Nanos / 1e6,
          maxNanos / 1e6);
    }
  }
}
