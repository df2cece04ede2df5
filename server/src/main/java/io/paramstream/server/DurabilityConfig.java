package io.paramstream.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how often the server checkpoints its groups.
 *
 * @param directory where checkpoints live; empty disables checkpoints (and the restore at start)
 * @param interval time between periodic checkpoints; zero disables them (on-demand and shutdown
 *     checkpoints still happen)
 * @param keep how many of the newest checkpoints to keep
 * @param allowEmptyStart when checkpoint files exist and none loads, start empty (setting them
 *     aside) instead of refusing to start
 * @param writeBytesPerSecond most bytes per second a periodic or requested checkpoint writes, so it
 *     leaves CPU to the pushes; 0 for no limit. The shutdown checkpoint is never paced.
 */
public record DurabilityConfig(
    Optional<Path> directory,
    Duration interval,
    int keep,
    boolean allowEmptyStart,
    long writeBytesPerSecond) {

  /**
   * 1 GiB in about 4 s. Unpaced, a server's first checkpoint of 1 GiB (its code still cold) held
   * the pushes to other groups at 0.46-0.50 of their rate on 2 cores; paced, 0.51-0.67
   * (BENCHMARKS.md section 6).
   */
  public static final long DEFAULT_WRITE_BYTES_PER_SECOND = 256L << 20;

  public DurabilityConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + interval);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("must keep at least one checkpoint, got " + keep);
    }
    if (writeBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "checkpoint write rate must be >= 0 bytes/s (0: no limit), got " + writeBytesPerSecond);
    }
  }

  /** No checkpoints: the server keeps its groups only in memory, as before. */
  public static DurabilityConfig disabled() {
    return new DurabilityConfig(
        Optional.empty(), Duration.ZERO, 3, false, DEFAULT_WRITE_BYTES_PER_SECOND);
  }

  public static DurabilityConfig in(Path directory, Duration interval, int keep) {
    return new DurabilityConfig(
        Optional.of(directory), interval, keep, false, DEFAULT_WRITE_BYTES_PER_SECOND);
  }

  /** This config, but starting empty when no checkpoint loads (the files are set aside). */
  public DurabilityConfig allowingEmptyStart() {
    return new DurabilityConfig(directory, interval, keep, true, writeBytesPerSecond);
  }

  /** This config, writing checkpoints at most {@code bytesPerSecond} (0: no limit). */
  public DurabilityConfig withWriteRate(long bytesPerSecond) {
    return new DurabilityConfig(directory, interval, keep, allowEmptyStart, bytesPerSecond);
  }
}
