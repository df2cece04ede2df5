package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.ConsistencyMode;
import io.paramstream.proto.v1.GetServerInfoRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.ServerInfo;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How tools and clients find out what a server is: reflection, as grpcurl lists services through
 * either protocol version, and ServerInfo's version and features.
 */
@Timeout(60)
class DiscoveryTest {

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  private ManagedChannel channel;

  @BeforeEach
  void connect() {
    channel = NettyChannelBuilder.forTarget(netty.target()).usePlaintext().build();
  }

  @AfterEach
  void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** One reflection exchange: sends {@code request}, returns the first answer. */
  private static <Q, A> A ask(Function<StreamObserver<A>, StreamObserver<Q>> call, Q request)
      throws Exception {
    CompletableFuture<A> answer = new CompletableFuture<>();
    StreamObserver<Q> requests =
        call.apply(
            new StreamObserver<>() {
              @Override
              public void onNext(A value) {
                answer.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
    requests.onNext(request);
    requests.onCompleted();
    return answer.get(30, TimeUnit.SECONDS);
  }

  @Test
  void reflectionV1alpha_listServices_namesTheParameterServer() throws Exception {
    var stub = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel);
    var response =
        ask(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setListServices("")
                .build());

    List<String> services =
        response.getListServicesResponse().getServiceList().stream()
            .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
            .toList();
    assertThat(services).contains(ParameterServerGrpc.SERVICE_NAME);
  }

  @Test
  void reflectionV1_listServicesAndDescribe_namesTheParameterServer() throws Exception {
    var stub = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel);
    var listed =
        ask(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    var described =
        ask(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol(ParameterServerGrpc.SERVICE_NAME)
                .build());

    assertThat(listed.getListServicesResponse().getServiceList())
        .extracting(io.grpc.reflection.v1.ServiceResponse::getName)
        .contains(ParameterServerGrpc.SERVICE_NAME);
    assertThat(described.getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
  }

  @Test
  void serverInfo_describesVersionCommitFeaturesAndMode() {
    ServerInfo info =
        ParameterServerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .getServerInfo(GetServerInfoRequest.getDefaultInstance());

    assertThat(info.getServerVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
    BuildCommit.assertIsThisBuild(info.getServerCommit());
    assertThat(info.getFeaturesList())
        .contains("pull_stream", "exactly_once", "optimizer_adamw", "partial_hyperparameters")
        .doesNotContain("checkpoints"); // this server has no checkpoint directory
    assertThat(info.getConsistencyMode()).isEqualTo(ConsistencyMode.ASYNCHRONOUS);
  }
}
