package io.paramstream.client.internal;

import io.grpc.Status;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The one place that turns gRPC statuses and ack codes into {@link ParamstreamException}s. */
public final class Errors {
  // How gRPC words the deadlines it enforces, e.g. "Deadline exceeded after 1.0s" or "ClientCall
  // started after CallOptions deadline was exceeded".
  private static final Pattern GRPC_DEADLINE = Pattern.compile("(?i)deadline (was )?exceeded");

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
   * Unary calls, push sessions, watches and pulls on the shared PullStream all explain their
   * failures here. Other failures are the server's answers, which already say what went wrong, and
   * pass unchanged; so does a failure explained already (see {@link #explained}), so that a call
   * built on another (a push on a push session) does not explain it twice.
   *
   * @param deadline the call's deadline, or null for an open-ended call (a watch)
   * @param operation what the call was doing, e.g. "pushing group 'w'"
   */
  public static ParamstreamException inContext(
      ParamstreamException e, String target, Duration deadline, String operation) {
    if (explained(e)) {
      return e;
    }
    return switch (e.code()) {
      case UNAVAILABLE ->
          new ParamstreamException(
              ErrorCode.UNAVAILABLE, unavailable(e, target) + " while " + operation, e);
      case DEADLINE_EXCEEDED ->
          new ParamstreamException(
              ErrorCode.DEADLINE_EXCEEDED,
              (deadline == null ? "deadline" : "deadline of " + humanReadable(deadline))
                  + " exceeded while "
                  + operation
                  + " to "
                  + target
                  + " ("
                  + deadlineCause(e)
                  + ")",
              e);
      default -> e;
    };
  }

  /**
   * Whether {@code e} already is an explanation: one the client made of another failure of the same
   * code, which it keeps as the cause (here, or a cluster client naming the failed shard).
   */
  static boolean explained(ParamstreamException e) {
    return e.getCause() instanceof ParamstreamException cause && cause.code() == e.code();
  }

  /** "group 'w'" or "groups 'a', 'b'", for error messages. */
  public static String groups(Collection<String> names) {
    if (names.isEmpty()) {
      return "every group";
    }
    String quoted = names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    return (names.size() == 1 ? "group " : "groups ") + quoted;
  }

  /** "table 'u'" or "tables 'u', 'v'", for error messages. */
  public static String tables(Collection<String> names) {
    if (names.isEmpty()) {
      return "every table";
    }
    String quoted =
        names.stream().distinct().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    return (names.stream().distinct().count() == 1 ? "table " : "tables ") + quoted;
  }

  /**
   * What a push carries, for error messages: "group 'w'", "table 'u'", or "group 'w' and table
   * 'u'".
   */
  public static String pushed(Collection<String> groups, Collection<String> tables) {
    if (tables.isEmpty()) {
      return groups(groups);
    }
    return groups.isEmpty() ? tables(tables) : groups(groups) + " and " + tables(tables);
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

  /**
   * Why a deadline passed, in words. gRPC's own description ("CallOptions deadline exceeded after
   * 0.999s. Name resolution delay 0.000000000 seconds. [closed=[CANCELLED], ...]") becomes whether
   * the call never got a connection or got no answer; the client's own ("the push window stayed
   * full for 30s") is kept.
   */
  private static String deadlineCause(ParamstreamException e) {
    String detail = detail(e);
    if (!GRPC_DEADLINE.matcher(detail).find()) {
      return detail;
    }
    return detail.contains("waiting_for_connection")
        ? "no connection to the server was ready in time"
        : "no answer from the server in time";
  }

  /** The message without the code prefix the exception adds. */
  public static String detail(ParamstreamException e) {
    String prefix = e.code() + ": ";
    String message = String.valueOf(e.getMessage());
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** 30s, 2m, 1h, 1500ms: as people write deadlines. */
  public static String humanReadable(Duration duration) {
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
