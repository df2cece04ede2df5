package io.paramstream.core;

/**
 * Bounded staleness (SSP): how far behind the current version a push may be computed.
 *
 * @param maxStaleness S: a push based on version b of a group now at version v has staleness v - b
 *     and is accepted as is when that is at most S
 * @param action what happens to a push staler than S
 */
public record StalenessPolicy(long maxStaleness, Action action) {

  /** The fate of a push staler than the limit. */
  public enum Action {
    /** Refused with FAILED_PRECONDITION naming its staleness; nothing is changed. */
    REJECT,
    /** Applied with the learning rate scaled by (S + 1) / (staleness + 1), below 1 past S. */
    SCALE_LR
  }

  public StalenessPolicy {
    if (maxStaleness < 0) {
      throw new IllegalArgumentException("max staleness must be >= 0, got " + maxStaleness);
    }
    if (action == null) {
      throw new IllegalArgumentException("staleness action must be set");
    }
  }

  /** The learning-rate factor for a push of this staleness; 1 within the bound. */
  public double lrScale(long staleness) {
    return staleness <= maxStaleness ? 1.0 : (maxStaleness + 1.0) / (staleness + 1.0);
  }
}
