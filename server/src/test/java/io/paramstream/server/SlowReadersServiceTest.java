package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.WatchRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pull and Watch are read lazily, chunk by chunk: what a slow reader sees on the wire, with a small
 * transient budget (4 MiB readers' half) and 64 KiB chunks.
 */
@Timeout(30)
class SlowReadersServiceTest {

  private static final int CHUNK_FLOATS = (64 << 10) / Float.BYTES;

  private ParamstreamServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        ParamstreamServer.start(
            InProcessServerBuilder.forName(name),
            ServerConfig.defaults().withMaxChunkBytes(64 << 10),
            DurabilityConfig.disabled(),
            LimitsConfig.none().withMaxTransientBytes(8 << 20));
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private GroupStore store() {
    return server.store();
  }

  private void pushTogether(int size, String... names) {
    List<GroupGradient> gradients = new ArrayList<>();
    for (String name : names) {
      gradients.add(new GroupGradient(name, new float[size]));
    }
    store().push(gradients);
  }

  @Test
  void watch_severalGroups_sendsSetsOfChangedGroupsEndedByMarker() {
    int size = 3 * CHUNK_FLOATS; // three chunks per group
    store().create("a", new float[size], false, null);
    store().create("b", new float[size], false, null);
    Iterator<GroupChunk> watch =
        ParameterServerGrpc.newBlockingStub(channel)
            .watch(
                WatchRequest.newBuilder()
                    .addGroups(GroupSelector.newBuilder().setName("a"))
                    .addGroups(GroupSelector.newBuilder().setName("b"))
                    .build());

    assertThat(nextSet(watch)).containsExactly("a@0", "a@0", "a@0", "b@0", "b@0", "b@0|end");
    pushTogether(size, "b");
    assertThat(nextSet(watch)).containsExactly("b@1", "b@1", "b@1|end");
    pushTogether(size, "a", "b");
    assertThat(nextSet(watch)).containsExactly("a@1", "a@1", "a@1", "b@2", "b@2", "b@2|end");
  }

  /** The chunks of one set as name@version, the last one marked. */
  private static List<String> nextSet(Iterator<GroupChunk> watch) {
    List<String> set = new ArrayList<>();
    while (true) {
      GroupChunk chunk = watch.next();
      set.add(chunk.getName() + "@" + chunk.getVersion() + (chunk.getEndOfPull() ? "|end" : ""));
      if (chunk.getEndOfPull()) {
        return set;
      }
    }
  }

  @Test
  void pull_groupChangesUnderASlowReaderAndItsOldValuesDoNotFit_failsResourceExhausted()
      throws Exception {
    int size = 2 << 20; // 8 MiB: the rest of it cannot fit the 4 MiB readers' half
    store().create("big", new float[size], false, null);
    BlockingQueue<GroupChunk> chunks = new LinkedBlockingQueue<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<PullRequest, GroupChunk> call =
        channel.newCall(ParameterServerGrpc.getPullMethod(), CallOptions.DEFAULT);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(GroupChunk message) {
            chunks.add(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    call.sendMessage(
        PullRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName("big")).build());
    call.halfClose();
    call.request(1);
    assertThat(chunks.poll(5, TimeUnit.SECONDS).getVersion()).isZero();

    pushTogether(size, "big"); // the pusher is not held back by the reader

    assertThat(server.transientBudget().readBytes()).isZero();
    call.request(Integer.MAX_VALUE);
    Status status = closed.get(5, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription())
        .contains("'big'")
        .contains("changed while this slow read")
        .contains("--max-transient-bytes");
    assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.getVersion()).isZero());
  }
}
