package io.paramstream.client;

import java.util.Objects;

/**
 * The one exception the client reports failures with. It carries an {@link ErrorCode} so that
 * callers can react to the kind of failure without seeing transport (gRPC) exception types.
 */
public final class ParamstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /** Creates an exception with a code and a human-readable message. */
  public ParamstreamException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates an exception with a code, a message and the underlying cause (kept for diagnostics
   * only; callers should branch on {@link #code()}).
   */
  public ParamstreamException(ErrorCode code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** The kind of failure. */
  public ErrorCode code() {
    return code;
  }
}
