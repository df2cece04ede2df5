package io.paramstream.simulator;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one simulated worker measured. Operations complete on gRPC threads and record into a {@link
 * Recorder} without locking; the single progress thread drains it once per interval into this
 * worker's own histogram, so no histogram is shared between workers until the final merge.
 */
final class WorkerStats {
  /** Latencies up to an hour, 3 significant digits. */
  static final long HIGHEST_TRACKABLE_NANOS = 3_600_000_000_000L;

  private final Recorder recorder = new Recorder(HIGHEST_TRACKABLE_NANOS, 3);
  // Touched only by the progress thread.
  private final Histogram measured = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
  private Histogram recycled;
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder acknowledgedPushes = new LongAdder();
  private final LongAdder watchUpdates = new LongAdder();

  /** Records one completed operation (every phase; warm-up is discarded when draining). */
  void recordLatency(long nanos) {
    recorder.recordValue(Math.max(0, Math.min(nanos, HIGHEST_TRACKABLE_NANOS)));
  }

  /** Counts a push the server acknowledged as applied, warm-up included. */
  void countAcknowledgedPush() {
    acknowledgedPushes.increment();
  }

  void countWatchUpdate() {
    watchUpdates.increment();
  }

  /** Counts a failed operation by its code, warm-up included. */
  void recordError(Throwable t) {
    errors.computeIfAbsent(codeOf(t), k -> new LongAdder()).increment();
  }

  static String codeOf(Throwable t) {
    Throwable cause = t;
    while (cause != null) {
      if (cause instanceof ParamstreamException e) {
        return e.code().name();
      }
      cause = cause.getCause();
    }
    return ErrorCode.UNKNOWN.name();
  }

  /**
   * Takes what was recorded since the last call; adds it to this worker's measured histogram when
   * {@code keep} (i.e. after warm-up). Call from one thread only.
   *
   * @return the interval's latencies (valid until the next call)
   */
  Histogram drainInterval(boolean keep) {
    recycled = recorder.getIntervalHistogram(recycled);
    if (keep) {
      measured.add(recycled);
    }
    return recycled;
  }

  Histogram measured() {
    return measured;
  }

  long acknowledgedPushes() {
    return acknowledgedPushes.sum();
  }

  long watchUpdates() {
    return watchUpdates.sum();
  }

  Map<String, Long> errors() {
    Map<String, Long> copy = new TreeMap<>();
    errors.forEach((code, count) -> copy.put(code, count.sum()));
    return copy;
  }
}
