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
 */
public record DurabilityConfig(
    Optional<Path> directory, Duration interval, int keep, boolean allowEmptyStart) {

  public DurabilityConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + interval);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("must keep at least one checkpoint, got " + keep);
    }
  }

  /** No checkpoints: the server keeps its groups only in memory, as before. */
  public static DurabilityConfig disabled() {
    return new DurabilityConfig(Optional.empty(), Duration.ZERO, 3, false);
  }

  public static DurabilityConfig in(Path directory, Duration interval, int keep) {
    return new DurabilityConfig(Optional.of(directory), interval, keep, false);
  }

  /** This config, but starting empty when no checkpoint loads (the files are set aside). */
  public DurabilityConfig allowingEmptyStart() {
    return new DurabilityConfig(directory, interval, keep, true);
  }
}
