package io.paramstream.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.ShardPlacementGrpc;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token authentication with roles for the ParameterServer service. A call carries {@code
 * authorization: Bearer <token>}; no or an unknown token fails with UNAUTHENTICATED, a role without
 * the right with PERMISSION_DENIED. Health and reflection stay open so probes work.
 *
 * <p>A refusal logs the peer and the method (at most one line per peer per 10 s), never what the
 * caller sent.
 */
final class AuthInterceptor implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final BearerTokens tokens;
  private final PeerWarnings refusals = new PeerWarnings(log);

  AuthInterceptor(BearerTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String service = call.getMethodDescriptor().getServiceName();
    // Health and reflection stay open for probes and tools; both of our services need a token.
    if (!ParameterServerGrpc.SERVICE_NAME.equals(service)
        && !ShardPlacementGrpc.SERVICE_NAME.equals(service)) {
      return next.startCall(call, headers);
    }
    Role role = tokens.roleOf(headers.get(AUTHORIZATION));
    if (role == null) {
      refusals.warn(call, "refused: missing or unknown token");
      return refuse(call, Status.UNAUTHENTICATED.withDescription("missing or unknown token"));
    }
    if (!role.allows(method)) {
      String roleName = role.name().toLowerCase(Locale.ROOT);
      refusals.warn(call, "refused: role " + roleName + " lacks the right");
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription("role " + roleName + " may not call " + method));
    }
    return next.startCall(call, headers);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
