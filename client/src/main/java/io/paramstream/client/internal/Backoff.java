package io.paramstream.client.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: each delay is uniform in [0, cap], the cap doubling from
 * {@code initial} up to {@code max}. Jitter keeps many workers that failed together (a server
 * restart) from retrying in lockstep.
 */
public final class Backoff {

  private final long maxNanos;
  private long capNanos;

  public Backoff(Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + ", " + max);
    }
    this.capNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
  }

  /** The delay before the next attempt. */
  public Duration nextDelay() {
    long delay = ThreadLocalRandom.current().nextLong(capNanos + 1);
    capNanos = Math.min(maxNanos, capNanos * 2);
    return Duration.ofNanos(delay);
  }
}
