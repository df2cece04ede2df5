package io.paramstream.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link ParamstreamClient}.
 *
 * @param deadline how long each call may take before it fails with {@link
 *     ErrorCode#DEADLINE_EXCEEDED}; it bounds every blocking method so that a stalled server cannot
 *     hang a training worker forever
 * @param maxInFlightPushes how many pushes a {@link PushSession} may have sent but not yet seen
 *     acknowledged; bounds the memory both sides spend on a fast pusher
 */
public record ClientConfig(Duration deadline, int maxInFlightPushes) {
  /** Default per-call deadline. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  /** Default push window. */
  public static final int DEFAULT_MAX_IN_FLIGHT_PUSHES = 8;

  public ClientConfig {
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    if (maxInFlightPushes < 1) {
      throw new IllegalArgumentException(
          "maxInFlightPushes must be >= 1, got " + maxInFlightPushes);
    }
  }

  /** The defaults: 30 s per call, 8 pushes in flight. */
  public static ClientConfig defaults() {
    return new ClientConfig(DEFAULT_DEADLINE, DEFAULT_MAX_IN_FLIGHT_PUSHES);
  }

  /** A copy with another per-call deadline. */
  public ClientConfig withDeadline(Duration newDeadline) {
    return new ClientConfig(newDeadline, maxInFlightPushes);
  }

  /** A copy with another push window. */
  public ClientConfig withMaxInFlightPushes(int newMaxInFlightPushes) {
    return new ClientConfig(deadline, newMaxInFlightPushes);
  }
}
