package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.paramstream.server.ParamstreamServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * There is no Docker engine on the build machines, so the server image's command line is checked
 * here instead: the ENTRYPOINT and CMD of docker/Dockerfile's server stage run as a process, with
 * only the jar's path made local and the port made free, and answer the health check the Kubernetes
 * probes make.
 */
@Timeout(60)
class EntrypointCommandTest {

  private static final Path DOCKER = Path.of("..", "docker");
  private static final String IMAGE_JAR = "/opt/paramstream/paramstream-server.jar";

  @Test
  void serverImageCommand_runsOutsideContainer_listensOnAllInterfacesAndIsServing()
      throws Exception {
    String stage = serverStage(Files.readString(DOCKER.resolve("Dockerfile")));
    List<String> entrypoint = execForm(stage, "ENTRYPOINT");
    List<String> cmd = execForm(stage, "CMD");
    assertThat(entrypoint).first().isEqualTo("java");
    assertThat(entrypoint).contains(IMAGE_JAR);
    assertThat(cmd).containsSequence("--host", "0.0.0.0");

    List<String> command = new ArrayList<>();
    for (String arg : entrypoint) {
      command.add(arg.equals("java") ? ServerProcess.java() : arg);
    }
    command.replaceAll(arg -> arg.equals(IMAGE_JAR) ? ServerProcess.jar().toString() : arg);
    command.addAll(cmd);
    // The image's fixed port may be taken on a shared machine; everything else stays as is.
    command.set(command.indexOf("--port") + 1, "0");

    try (ServerProcess server = ServerProcess.startCommand(command)) {
      int port = server.awaitPort();
      assertThat(server.output()).anyMatch(line -> line.contains("listening on 0.0.0.0:" + port));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        ServingStatus status =
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(
                    HealthCheckRequest.newBuilder()
                        .setService(ParamstreamServer.SERVICE_NAME)
                        .build())
                .getStatus();
        assertThat(status).isEqualTo(ServingStatus.SERVING);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void kubernetesProbes_askAboutTheServiceTheServerReports() throws Exception {
    String statefulSet = Files.readString(DOCKER.resolve("k8s").resolve("statefulset.yaml"));
    Matcher probes =
        Pattern.compile("(readiness|liveness)Probe:\\s+grpc:\\s+port: (\\d+)\\s+service: (\\S+)")
            .matcher(statefulSet);
    int found = 0;
    while (probes.find()) {
      found++;
      assertThat(probes.group(2)).isEqualTo("50051");
      assertThat(probes.group(3)).isEqualTo(ParamstreamServer.SERVICE_NAME);
    }
    assertThat(found).isEqualTo(2);
  }

  private static String serverStage(String dockerfile) {
    int start = dockerfile.indexOf(" AS server");
    assertThat(start).as("a stage named server").isPositive();
    int end = dockerfile.indexOf("\nFROM ", start);
    return end < 0 ? dockerfile.substring(start) : dockerfile.substring(start, end);
  }

  /** The JSON-array (exec) form of an instruction, e.g. ENTRYPOINT ["java", "-jar", "x.jar"]. */
  private static List<String> execForm(String stage, String instruction) {
    Matcher m = Pattern.compile("(?m)^" + instruction + " \\[(.*)\\]\\s*$").matcher(stage);
    assertThat(m.find()).as(instruction + " in exec form").isTrue();
    List<String> args = new ArrayList<>();
    Matcher arg = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(1));
    while (arg.find()) {
      args.add(arg.group(1));
    }
    return args;
  }
}
