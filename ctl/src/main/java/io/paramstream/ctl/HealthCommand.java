package io.paramstream.ctl;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code health}: asks the standard gRPC health service; exits 0 only when SERVING, so a container
 * health check can run it. A server restoring its checkpoint answers NOT_SERVING.
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = "Asks the gRPC health service; exit code 0 only when SERVING.")
final class HealthCommand implements Callable<Integer> {

  @Mixin Connection connection;
  @Mixin Output output;

  @Option(
      names = "--service",
      defaultValue = "",
      description = "Service to ask about; empty for the whole server (default: the server).")
  String service;

  @Override
  public Integer call() throws Exception {
    try {
      HealthCheckResponse.ServingStatus status =
          HealthGrpc.newBlockingStub(connection.channel())
              .withDeadlineAfter(connection.timeout.toNanos(), TimeUnit.NANOSECONDS)
              .check(HealthCheckRequest.newBuilder().setService(service).build())
              .getStatus();
      output.print(Map.of("status", status.name()), () -> output.out().println(status.name()));
      return status == HealthCheckResponse.ServingStatus.SERVING ? 0 : CtlMain.REFUSED;
    } finally {
      connection.close();
    }
  }
}
