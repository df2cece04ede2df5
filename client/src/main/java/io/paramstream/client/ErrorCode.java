package io.paramstream.client;

/**
 * Why a Paramstream call failed. The values mirror the gRPC status codes (without {@code OK}) so
 * that callers can decide what to do (retry on {@link #UNAVAILABLE}, fix the request on {@link
 * #INVALID_ARGUMENT}, ...) without depending on gRPC types.
 */
public enum ErrorCode {
  /** The call was cancelled, typically because the client, session or subscription was closed. */
  CANCELLED,
  /** An error the server or the transport did not classify. */
  UNKNOWN,
  /** The request was malformed: empty name, length mismatch, NaN, bad hyperparameters... */
  INVALID_ARGUMENT,
  /** The call did not finish within its deadline. */
  DEADLINE_EXCEEDED,
  /** A named group does not exist. */
  NOT_FOUND,
  /** A group with that name already exists. */
  ALREADY_EXISTS,
  /** The caller may not perform the operation. */
  PERMISSION_DENIED,
  /** A message or resource limit was exceeded. */
  RESOURCE_EXHAUSTED,
  /** The server is not in a state to perform the operation. */
  FAILED_PRECONDITION,
  /** The operation was aborted, e.g. by a concurrent conflicting operation. */
  ABORTED,
  /** A value was outside its valid range. */
  OUT_OF_RANGE,
  /** The server does not implement the operation. */
  UNIMPLEMENTED,
  /** A broken invariant, e.g. the server or client violated the protocol. */
  INTERNAL,
  /** The server cannot be reached or is shutting down; safe operations may be retried. */
  UNAVAILABLE,
  /** Unrecoverable data loss or corruption. */
  DATA_LOSS,
  /** The caller is not authenticated. */
  UNAUTHENTICATED
}
