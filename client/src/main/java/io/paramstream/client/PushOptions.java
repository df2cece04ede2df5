package io.paramstream.client;

/**
 * What a push tells the server about itself under synchronous or bounded-staleness consistency.
 *
 * @param workerId the registered worker pushing (synchronous mode), or empty
 * @param baseVersion the version of the pushed groups the gradient was computed from (bounded
 *     staleness), or {@link #NO_BASE_VERSION}
 */
public record PushOptions(String workerId, long baseVersion) {

  public static final long NO_BASE_VERSION = -1;

  public static final PushOptions NONE = new PushOptions("", NO_BASE_VERSION);

  public PushOptions {
    if (workerId == null) {
      throw new IllegalArgumentException("workerId must not be null; use \"\"");
    }
    if (baseVersion < NO_BASE_VERSION) {
      throw new IllegalArgumentException("base version must be >= 0, got " + baseVersion);
    }
  }

  /** A synchronous-mode push from a registered worker. */
  public static PushOptions worker(String workerId) {
    return new PushOptions(workerId, NO_BASE_VERSION);
  }

  /** A bounded-staleness push computed from {@code baseVersion}. */
  public static PushOptions basedOn(long baseVersion) {
    return new PushOptions("", baseVersion);
  }
}
