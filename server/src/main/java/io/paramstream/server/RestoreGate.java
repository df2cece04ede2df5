package io.paramstream.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.BooleanSupplier;

/**
 * Refuses calls with UNAVAILABLE while the store is being restored from a checkpoint, so nobody
 * reads or changes a half-restored store; clients retry, as they would against a starting server.
 */
final class RestoreGate implements ServerInterceptor {

  private final BooleanSupplier restoring;

  RestoreGate(BooleanSupplier restoring) {
    this.restoring = restoring;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (restoring.getAsBoolean()) {
      call.close(
          Status.UNAVAILABLE.withDescription("server is restoring from a checkpoint"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
