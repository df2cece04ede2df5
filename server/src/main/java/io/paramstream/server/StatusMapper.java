package io.paramstream.server;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.paramstream.core.ConsistencyException;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.table.RowLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from domain failures to gRPC statuses. Everything the service catches goes through
 * here, so no exception escapes to become an UNKNOWN status with its message stripped.
 */
final class StatusMapper {

  private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  static Status toStatus(Throwable failure) {
    if (failure instanceof GroupStoreException e) {
      Status status =
          switch (e.reason()) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
          };
      return status.withDescription(e.getMessage());
    }
    if (failure instanceof ConsistencyException e) {
      Status status =
          switch (e.reason()) {
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
            case CANCELLED -> Status.CANCELLED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
          };
      return status.withDescription(e.getMessage());
    }
    if (failure instanceof RowLimitException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(failure.getMessage());
    }
    if (failure instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(failure.getMessage());
    }
    if (failure instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (failure instanceof StatusException e) {
      return e.getStatus();
    }
    log.error("unexpected failure", failure);
    return Status.INTERNAL.withDescription("internal error: " + failure).withCause(failure);
  }

  static StatusRuntimeException toException(Throwable failure) {
    return toStatus(failure).asRuntimeException();
  }
}
