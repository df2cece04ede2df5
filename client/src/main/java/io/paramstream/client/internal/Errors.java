package io.paramstream.client.internal;

import io.grpc.Status;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one place that turns gRPC statuses and ack codes into {@link ParamstreamException}s. */
public final class Errors {
  private Errors() {}

  /** Converts any failure seen by the client into the library's exception. */
  public static ParamstreamException from(Throwable t) {
    if (t instanceof ParamstreamException pe) {
      return pe;
    }
    if ((t instanceof ExecutionException || t instanceof CompletionException)
        && t.getCause() != null) {
      return from(t.getCause());
    }
    Status status = Status.fromThrowable(t);
    // A call the client cancelled on purpose carries the reason as the cause; report that.
    if (status.getCode() == Status.Code.CANCELLED
        && status.getCause() instanceof ParamstreamException pe) {
      return pe;
    }
    if (status.getCode() == Status.Code.OK) {
      return new ParamstreamException(ErrorCode.UNKNOWN, String.valueOf(t), t);
    }
    String description = status.getDescription();
    return new ParamstreamException(
        fromGrpcCode(status.getCode().value()),
        description != null ? description : status.getCode().name(),
        t);
  }

  /** Converts a non-zero {@code PushAck.code} and its message. */
  public static ParamstreamException fromAck(int code, String message) {
    return new ParamstreamException(fromGrpcCode(code), message);
  }

  /** The gRPC / google.rpc.Code numbering; unknown or OK values become UNKNOWN. */
  public static ErrorCode fromGrpcCode(int code) {
    return switch (code) {
      case 1 -> ErrorCode.CANCELLED;
      case 3 -> ErrorCode.INVALID_ARGUMENT;
      case 4 -> ErrorCode.DEADLINE_EXCEEDED;
      case 5 -> ErrorCode.NOT_FOUND;
      case 6 -> ErrorCode.ALREADY_EXISTS;
      case 7 -> ErrorCode.PERMISSION_DENIED;
      case 8 -> ErrorCode.RESOURCE_EXHAUSTED;
      case 9 -> ErrorCode.FAILED_PRECONDITION;
      case 10 -> ErrorCode.ABORTED;
      case 11 -> ErrorCode.OUT_OF_RANGE;
      case 12 -> ErrorCode.UNIMPLEMENTED;
      case 13 -> ErrorCode.INTERNAL;
      case 14 -> ErrorCode.UNAVAILABLE;
      case 15 -> ErrorCode.DATA_LOSS;
      case 16 -> ErrorCode.UNAUTHENTICATED;
      default -> ErrorCode.UNKNOWN;
    };
  }

  /** The exception for a call made on a closed client, session or subscription. */
  public static ParamstreamException closed(String what) {
    return new ParamstreamException(ErrorCode.CANCELLED, what + " is closed");
  }

  /** The exception for a server that broke the protocol (e.g. chunks out of order). */
  public static ParamstreamException protocol(String message) {
    return new ParamstreamException(ErrorCode.INTERNAL, "protocol violation: " + message);
  }
}
