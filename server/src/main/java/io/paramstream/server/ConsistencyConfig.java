package io.paramstream.server;

import io.paramstream.core.StalenessPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * How the server orders pushes, for the one model it serves.
 *
 * @param mode asynchronous, synchronous (BSP) or bounded staleness (SSP)
 * @param stragglerTimeout synchronous mode: how long a step waits after its first push
 * @param staleness bounded staleness: the limit S and what happens past it
 */
public record ConsistencyConfig(Mode mode, Duration stragglerTimeout, StalenessPolicy staleness) {

  /** How pushes are applied. */
  public enum Mode {
    /** Each push applied as it arrives (the default). */
    ASYNCHRONOUS,
    /** One averaged update per step once every registered worker pushed. */
    SYNCHRONOUS,
    /** Pushes carry their base version; too stale ones are rejected or damped. */
    BOUNDED_STALENESS
  }

  public ConsistencyConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(stragglerTimeout, "stragglerTimeout");
    Objects.requireNonNull(staleness, "staleness");
    if (stragglerTimeout.isNegative() || stragglerTimeout.isZero()) {
      throw new IllegalArgumentException("straggler timeout must be > 0, got " + stragglerTimeout);
    }
  }

  public static ConsistencyConfig asynchronous() {
    return new ConsistencyConfig(
        Mode.ASYNCHRONOUS,
        Duration.ofSeconds(30),
        new StalenessPolicy(0, StalenessPolicy.Action.REJECT));
  }

  public static ConsistencyConfig synchronous(Duration stragglerTimeout) {
    return new ConsistencyConfig(
        Mode.SYNCHRONOUS, stragglerTimeout, new StalenessPolicy(0, StalenessPolicy.Action.REJECT));
  }

  public static ConsistencyConfig boundedStaleness(StalenessPolicy policy) {
    return new ConsistencyConfig(Mode.BOUNDED_STALENESS, Duration.ofSeconds(30), policy);
  }
}
