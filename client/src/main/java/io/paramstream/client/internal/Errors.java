package io.paramstream.client.internal;

import io.grpc.Status;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
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

  /**
   * Names the server and what the call was doing in a failure of the transport, which gRPC reports
   * as little more than "UNAVAILABLE: io exception": e.g. "connection refused to 127.0.0.1:50051
   * while listing groups", "deadline of 30s exceeded while pushing group 'w' to 127.0.0.1:50051".
   * Other failures are the server's answers, which already say what went wrong, and pass unchanged.
   *
   * @param operation what the call was doing, e.g. "pushing group 'w'"
   */
  public static ParamstreamException inContext(
      ParamstreamException e, String target, Duration deadline, String operation) {
    return switch (e.code()) {
      case UNAVAILABLE ->
          new ParamstreamException(
              ErrorCode.UNAVAILABLE, unavailable(e, target) + " while " + operation, e);
      case DEADLINE_EXCEEDED ->
          new ParamstreamException(
              ErrorCode.DEADLINE_EXCEEDED,
              "deadline of "
                  + humanReadable(deadline)
                  + " exceeded while "
                  + operation
                  + " to "
                  + target
                  + " ("
                  + detail(e)
                  + ")",
              e);
      default -> e;
    };
  }

  private static String unavailable(ParamstreamException e, String target) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException) {
        String message = String.valueOf(cause.getMessage());
        return message.contains("refused")
            ? "connection refused to " + target
            : "cannot connect to " + target + ": " + message;
      }
      if (cause instanceof UnknownHostException) {
        return "cannot resolve the host of " + target;
      }
    }
    return "server " + target + " unavailable (" + detail(e) + ")";
  }

  /** The message without the code prefix the exception adds. */
  private static String detail(ParamstreamException e) {
    String prefix = e.code() + ": ";
    String message = String.valueOf(e.getMessage());
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** 30s, 2m, 1h, 1500ms: as people write deadlines. */
  static String humanReadable(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds != 0 && seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds != 0 && seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
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
