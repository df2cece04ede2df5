package io.paramstream.core;

/** A push refused by the consistency model; {@link #reason()} lets adapters map it to a status. */
public final class ConsistencyException extends RuntimeException {

  /** Why a push was refused. */
  public enum Reason {
    /** The push does not fit the protocol state: unregistered worker, too stale, pushed twice. */
    FAILED_PRECONDITION,
    /** A synchronous step timed out waiting for stragglers. */
    DEADLINE_EXCEEDED,
    /** The worker left before its step completed; its gradient was dropped. */
    CANCELLED,
    /** The server is shutting down. */
    UNAVAILABLE
  }

  private final Reason reason;

  public ConsistencyException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
