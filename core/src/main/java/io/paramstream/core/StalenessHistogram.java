package io.paramstream.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts applied pushes by staleness. Exact up to {@link #OVERFLOW} - 1; the last bucket counts
 * every larger staleness, so memory stays fixed whatever workers send. Thread-safe.
 */
public final class StalenessHistogram {

  /** Staleness values at or above this share one bucket. */
  public static final int OVERFLOW = 64;

  private final AtomicLongArray counts = new AtomicLongArray(OVERFLOW + 1);
  private final AtomicLong rejected = new AtomicLong();

  public void recordApplied(long staleness) {
    counts.incrementAndGet((int) Math.min(Math.max(staleness, 0), OVERFLOW));
  }

  public void recordRejected() {
    rejected.incrementAndGet();
  }

  public long rejected() {
    return rejected.get();
  }

  /** One bucket: pushes applied with this staleness (or more, for the overflow bucket). */
  public record Bucket(long staleness, long count) {}

  /** The non-empty buckets in ascending staleness. */
  public List<Bucket> buckets() {
    List<Bucket> result = new ArrayList<>();
    for (int i = 0; i <= OVERFLOW; i++) {
      long count = counts.get(i);
      if (count > 0) {
        result.add(new Bucket(i, count));
      }
    }
    return result;
  }
}
