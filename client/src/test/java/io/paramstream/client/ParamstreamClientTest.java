package io.paramstream.client;

import static io.paramstream.client.FakeParameterServer.chunks;
import static io.paramstream.client.FakeParameterServer.gradientOf;
import static io.paramstream.client.FakeParameterServer.ramp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.paramstream.client.internal.FloatCodec;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(20)
class ParamstreamClientTest {
  private static final int ONE_MIB = 1 << 20;

  @RegisterExtension final InProcessGrpc grpc = new InProcessGrpc();

  private final FakeParameterServer fake = new FakeParameterServer();
  private ManagedChannel channel;
  private ParamstreamClient client;

  @BeforeEach
  void setUp() {
    channel = grpc.start(fake);
    client = ParamstreamClient.create(channel, ClientConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  @Test
  void createGroup_largeGroup_sendsOrderedSlicesUnderOneMiB() {
    float[] values = ramp(600_000);
    Hyperparameters hyper = new Hyperparameters(0.1, 0.01);

    GroupInfo info = client.createGroup(new GroupSpec("w", values, true, hyper));

    List<CreateGroupRequest> sent = fake.createRequests;
    assertThat(sent).hasSizeGreaterThan(1);
    CreateGroupRequest first = sent.get(0);
    assertThat(first.getName()).isEqualTo("w");
    assertThat(first.getSize()).isEqualTo(600_000);
    assertThat(first.getWeightDecay()).isTrue();
    assertThat(first.getHyperparameters().getLearningRate()).isEqualTo(0.1);
    float[] received = new float[values.length];
    long nextOffset = 0;
    for (CreateGroupRequest message : sent) {
      assertThat(message.getInitialValues().size()).isLessThanOrEqualTo(ONE_MIB);
      assertThat(message.getOffset()).isEqualTo(nextOffset);
      nextOffset +=
          FloatCodec.decodeInto(message.getInitialValues(), received, (int) message.getOffset());
    }
    assertThat(received).isEqualTo(values);
    assertThat(info).isEqualTo(new GroupInfo("w", 600_000, true, 0, hyper));
  }

  @Test
  void checkpoint_reportsGroupsAndTables() {
    assertThat(client.checkpoint()).isEqualTo(new CheckpointInfo("checkpoint-7.bin", 2, 3));
  }

  @Test
  void createGroup_zeros_sendsOnlyTheHeader() {
    GroupInfo info = client.createGroup(GroupSpec.zeros("b", 1000, false));

    assertThat(fake.createRequests).hasSize(1);
    assertThat(fake.createRequests.get(0).getInitialValues().isEmpty()).isTrue();
    assertThat(fake.createRequests.get(0).hasHyperparameters()).isFalse();
    assertThat(info.size()).isEqualTo(1000);
    assertThat(info.hyperparameters()).isNull();
  }

  @Test
  void createGroup_nameTaken_throwsAlreadyExists() {
    fake.createFailure = Status.ALREADY_EXISTS.withDescription("group w exists");

    assertThatThrownBy(() -> client.createGroup(GroupSpec.zeros("w", 4, true)))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
              assertThat(e.getMessage()).contains("group w exists");
            });
  }

  @Test
  void push_largeGradients_sendsChunksAndReturnsVersions() {
    float[] w = ramp(600_000);
    float[] b = {1f, 2f, 3f};
    Map<String, float[]> gradients = new LinkedHashMap<>();
    gradients.put("w", w);
    gradients.put("b", b);

    PushResult result = client.push(gradients);

    List<PushRequest> sent = fake.pushRequests;
    assertThat(sent).hasSizeGreaterThanOrEqualTo(3);
    for (int i = 0; i < sent.size(); i++) {
      PushRequest message = sent.get(i);
      assertThat(message.getPushId()).isEqualTo(result.pushId());
      assertThat(message.getContinued()).isEqualTo(i < sent.size() - 1);
      long payload = message.getGradientsList().stream().mapToLong(s -> s.getValues().size()).sum();
      assertThat(payload).isLessThanOrEqualTo(ONE_MIB);
    }
    assertThat(gradientOf("w", sent, w.length)).isEqualTo(w);
    assertThat(gradientOf("b", sent, b.length)).isEqualTo(b);
    assertThat(result.versions()).containsExactly(Map.entry("w", 1L), Map.entry("b", 1L));
  }

  @Test
  void push_ackWithError_throwsWithCode() {
    fake.ackFor =
        push ->
            PushAck.newBuilder()
                .setPushId(push.get(0).getPushId())
                .setCode(3)
                .setMessage("gradient of w has NaN at 2")
                .build();

    assertThatThrownBy(() -> client.push(Map.of("w", new float[] {1, 2, Float.NaN})))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("gradient of w has NaN at 2");
            });
  }

  @Test
  void push_unavailable_isNotRetried() {
    fake.pushStreamFailure = Status.UNAVAILABLE.withDescription("going away");

    assertThatThrownBy(() -> client.push(Map.of("w", new float[] {1})))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(fake.pushCalls.get()).isEqualTo(1);
  }

  @Test
  void push_eachCall_usesItsOwnStream() {
    client.push(Map.of("w", new float[] {1}));
    PushResult second = client.push(Map.of("w", new float[] {2}));

    assertThat(fake.pushCalls.get()).isEqualTo(2);
    assertThat(second.versions()).containsEntry("w", 2L);
  }

  @Test
  void pull_multiChunkGroups_reassembles() {
    float[] w = ramp(10);
    float[] b = {4f, 5f};
    List<GroupChunk> reply = new ArrayList<>(chunks("w", 3, w, 4));
    reply.addAll(chunks("b", 1, b, 4));
    fake.pullReply = reply;

    Map<String, GroupValues> pulled = client.pull("w", "b");

    assertThat(reply).hasSize(4);
    assertThat(pulled)
        .containsExactly(
            Map.entry("w", new GroupValues("w", 3, w)), Map.entry("b", new GroupValues("b", 1, b)));
    assertThat(fake.pullRequests.get(0).getGroupsList())
        .extracting(g -> g.getName())
        .containsExactly("w", "b");
  }

  @Test
  void pull_chunkOutOfOrder_throwsInternal() {
    List<GroupChunk> reply = new ArrayList<>(chunks("w", 3, ramp(10), 4));
    reply.remove(1);
    fake.pullReply = reply;

    assertThatThrownBy(() -> client.pull("w"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
  }

  @Test
  void pullIfNewer_notModified_returnsEmpty() {
    fake.pullReply =
        List.of(
            GroupChunk.newBuilder()
                .setName("w")
                .setVersion(7)
                .setSize(10)
                .setNotModified(true)
                .build());

    Optional<GroupValues> pulled = client.pullIfNewer("w", 7);

    assertThat(pulled).isEmpty();
    assertThat(fake.pullRequests.get(0).getGroups(0).getIfNewerThan()).isEqualTo(7);
    assertThat(fake.pullRequests.get(0).getGroups(0).hasIfNewerThan()).isTrue();
  }

  @Test
  void pullIfNewer_newerVersion_returnsValues() {
    float[] w = ramp(9);
    fake.pullReply = chunks("w", 8, w, 5);

    assertThat(client.pullIfNewer("w", 7)).contains(new GroupValues("w", 8, w));
  }

  @Test
  void pull_unavailableOnce_retriesAndSucceeds() {
    fake.pullFailuresBeforeSuccess = 1;
    fake.pullReply = chunks("w", 2, new float[] {1f, 2f}, 4);

    Map<String, GroupValues> pulled = client.pull("w");

    assertThat(fake.pullCalls.get()).isEqualTo(2);
    assertThat(pulled.get("w").values()).containsExactly(1f, 2f);
  }

  @Test
  void pull_alwaysUnavailable_givesUpAfterThreeAttempts() {
    fake.pullFailuresBeforeSuccess = Integer.MAX_VALUE;

    assertThatThrownBy(() -> client.pull("w"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(fake.pullCalls.get()).isEqualTo(3);
  }

  @Test
  void pull_notFound_isNotRetried() {
    fake.pullFailuresBeforeSuccess = Integer.MAX_VALUE;
    fake.pullFailure = Status.NOT_FOUND.withDescription("no group x");

    assertThatThrownBy(() -> client.pull("x"))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
              assertThat(e.getMessage()).contains("no group x");
            });
    assertThat(fake.pullCalls.get()).isEqualTo(1);
  }

  @Test
  void listGroups_reply_mapsGroupInfo() {
    fake.listReply =
        List.of(
            io.paramstream.proto.v1.GroupInfo.newBuilder()
                .setName("w")
                .setSize(12)
                .setWeightDecay(true)
                .setVersion(5)
                .setHyperparameters(
                    io.paramstream.proto.v1.Hyperparameters.newBuilder()
                        .setLearningRate(0.5)
                        .setWeightDecay(0.25))
                .build());

    List<GroupInfo> groups = client.listGroups("w");

    assertThat(groups)
        .containsExactly(new GroupInfo("w", 12, true, 5, new Hyperparameters(0.5, 0.25)));
    assertThat(fake.listRequests.get(0).getNamesList()).containsExactly("w");
  }

  @Test
  void listGroups_serverNeverAnswers_throwsDeadlineExceeded() {
    ParamstreamClient impatient =
        ParamstreamClient.create(
            channel, ClientConfig.defaults().withDeadline(Duration.ofMillis(200)));
    fake.listNeverAnswers = true;
    long start = System.nanoTime();

    assertThatThrownBy(impatient::listGroups)
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    impatient.close();
  }

  @Test
  void deleteGroups_names_sentToServer() {
    client.deleteGroups("w", "b");

    assertThat(fake.deleteRequests.get(0).getNamesList()).containsExactly("w", "b");
  }

  @Test
  void setHyperparameters_names_sentAndReplyMapped() {
    List<GroupInfo> changed = client.setHyperparameters(new Hyperparameters(0.01, 0.1), "w");

    assertThat(fake.setHyperparametersRequests.get(0).getHyperparameters().getLearningRate())
        .isEqualTo(0.01);
    assertThat(changed)
        .extracting(GroupInfo::hyperparameters)
        .containsExactly(new Hyperparameters(0.01, 0.1));
  }

  @Test
  void calls_afterClose_failFastWithCancelled() {
    client.close();

    List<Runnable> calls =
        List.of(
            () -> client.listGroups(),
            () -> client.pull("w"),
            () -> client.pullIfNewer("w", 1),
            () -> client.push(Map.of("w", new float[] {1})),
            () -> client.createGroup(GroupSpec.zeros("w", 1, false)),
            () -> client.deleteGroups("w"),
            () -> client.setHyperparameters(new Hyperparameters(1, 0)),
            () -> client.openPushSession(),
            () -> client.watch(v -> {}, e -> {}, "w"));
    for (Runnable call : calls) {
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              ParamstreamException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
                assertThat(e.getMessage()).contains("client is closed");
              });
    }
    assertThat(fake.listRequests).isEmpty();
    assertThat(fake.pullCalls.get()).isZero();
    assertThat(fake.pushCalls.get()).isZero();
    assertThat(channel.isShutdown()).as("caller-owned channel stays open").isFalse();
  }

  @Test
  void close_duringCall_cancelsItPromptly() throws Exception {
    fake.listNeverAnswers = true;
    CompletableFuture<Throwable> failure =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                client.listGroups();
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            });
    while (fake.listRequests.isEmpty()) {
      Thread.sleep(5);
    }

    client.close();

    assertThat(failure.get(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED));
  }

  @Test
  void builder_ownedChannel_closesAndFailsFast() {
    ParamstreamClient owned =
        ParamstreamClient.builder()
            .target("localhost:1")
            .plaintext()
            .deadline(Duration.ofSeconds(2))
            .maxInFlightPushes(3)
            .build();
    assertThat(owned.config()).isEqualTo(new ClientConfig(Duration.ofSeconds(2), 3));

    owned.close();

    assertThatThrownBy(() -> owned.pull("w"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED));
  }

  @Test
  void builder_invalidSettings_rejected() {
    assertThatThrownBy(() -> ParamstreamClient.builder().maxInFlightPushes(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParamstreamClient.builder().deadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParamstreamClient.builder().build())
        .isInstanceOf(IllegalStateException.class);
  }
}
