package io.paramstream.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.ShardPlacementGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token authentication with roles for the ParameterServer service. A call carries {@code
 * authorization: Bearer <token>}; no or an unknown token fails with UNAUTHENTICATED, a role without
 * the right with PERMISSION_DENIED. Health and reflection stay open so probes work.
 *
 * <p>Tokens are kept only as SHA-256 digests and never logged; a refusal logs the method and the
 * peer, never what the caller sent.
 */
final class AuthInterceptor implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private final Map<String, Role> rolesByDigest;

  private AuthInterceptor(Map<String, Role> rolesByDigest) {
    this.rolesByDigest = Map.copyOf(rolesByDigest);
  }

  /**
   * Reads a token file: one {@code <role> <token>} per line (roles admin, worker, reader); blank
   * lines and lines starting with # are ignored. Errors name the line, never the token.
   */
  static AuthInterceptor fromFile(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, Role> roles = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": expected '<role> <token>'");
      }
      Role role = Role.parse(parts[0]);
      if (parts[1].length() < 16) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": tokens must be at least 16 characters");
      }
      if (roles.put(digest(parts[1]), role) != null) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": token repeated");
      }
    }
    if (roles.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no tokens");
    }
    return new AuthInterceptor(roles);
  }

  int tokenCount() {
    return rolesByDigest.size();
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
    String header = headers.get(AUTHORIZATION);
    Role role =
        header != null && header.startsWith(BEARER)
            ? rolesByDigest.get(digest(header.substring(BEARER.length())))
            : null;
    if (role == null) {
      log.warn("refused {}: missing or unknown token", method);
      return refuse(call, Status.UNAUTHENTICATED.withDescription("missing or unknown token"));
    }
    if (!role.allows(method)) {
      log.warn("refused {}: role {} lacks the right", method, role);
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              "role "
                  + role.name().toLowerCase(java.util.Locale.ROOT)
                  + " may not call "
                  + method));
    }
    return next.startCall(call, headers);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
