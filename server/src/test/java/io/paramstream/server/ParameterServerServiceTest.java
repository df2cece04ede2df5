package io.paramstream.server;

import static io.paramstream.server.Wire.bytes;
import static io.paramstream.server.Wire.group;
import static io.paramstream.server.Wire.push;
import static io.paramstream.server.Wire.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupMetadata;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.DeleteGroupsRequest;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupInfo;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.Hyperparameters;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.SetHyperparametersRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real service on the in-process transport, driven with the generated stubs. */
@Timeout(60)
class ParameterServerServiceTest {

  @RegisterExtension final InProcessServerExtension grpc = new InProcessServerExtension();

  /** Values and versions of every group, to prove a rejected call changed nothing. */
  private record State(List<GroupMetadata> groups, Map<String, float[]> values) {
    void assertEquals(State other) {
      assertThat(other.groups).isEqualTo(groups);
      assertThat(other.values.keySet()).isEqualTo(values.keySet());
      values.forEach((name, v) -> assertThat(other.values.get(name)).containsExactly(v));
    }
  }

  private State state() {
    List<GroupMetadata> groups = grpc.server().store().list(List.of());
    return new State(
        groups, grpc.server().store().snapshot(groups.stream().map(GroupMetadata::name).toList()));
  }

  private void createReferenceGroups() throws Exception {
    Wire.create(grpc.async(), group("w", true, 1.0f, 2.0f));
    Wire.create(grpc.async(), group("b", false, 0.5f));
  }

  @Test
  void push_referenceExample_appliesKernelAndAcksVersions() throws Exception {
    createReferenceGroups();
    Wire.PushStream stream = new Wire.PushStream(grpc.async());

    PushAck ack = stream.send(push(7, slice("w", 0.1f, 0.2f), slice("b", 0.05f)));

    assertThat(ack.getPushId()).isEqualTo(7);
    assertThat(ack.getCode()).isZero();
    assertThat(ack.getVersionsList())
        .extracting(v -> v.getGroup() + "@" + v.getVersion())
        .containsExactly("w@1", "b@1");
    Map<String, float[]> values = grpc.server().store().snapshot(List.of("w", "b"));
    assertThat(values.get("w")).containsExactly(new float[] {0.989f, 1.978f}, within(1e-6f));
    assertThat(values.get("b")).containsExactly(new float[] {0.495f}, within(1e-6f));
  }

  @Test
  void push_manyOnOneStream_eachAckedInOrder() throws Exception {
    Wire.create(grpc.async(), group("w", false, 0f, 0f));
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    for (int i = 1; i <= 50; i++) {
      stream.requests.onNext(push(i, slice("w", 1f, -1f)));
    }
    for (int i = 1; i <= 50; i++) {
      PushAck ack = stream.nextAck();
      assertThat(ack.getPushId()).isEqualTo(i);
      assertThat(ack.getVersions(0).getVersion()).isEqualTo(i);
    }
    // lr 0.1: 50 pushes of +-1 move the values by -+5.
    assertThat(grpc.server().store().snapshot(List.of("w")).get("w"))
        .containsExactly(new float[] {-5f, 5f}, within(1e-4f));
  }

  @Test
  void push_chunkedAcrossMessages_appliedOnceWhole() throws Exception {
    Wire.create(grpc.async(), group("w", false, 1f, 1f, 1f, 1f));
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(
        PushRequest.newBuilder()
            .setPushId(1)
            .setContinued(true)
            .addGradients(slice("w", 1f, 2f))
            .build());
    stream.requests.onNext(
        PushRequest.newBuilder()
            .setPushId(1)
            .addGradients(slice("w", 3f, 4f).toBuilder().setOffset(2))
            .build());

    PushAck ack = stream.nextAck();

    assertThat(ack.getCode()).isZero();
    assertThat(grpc.server().store().snapshot(List.of("w")).get("w"))
        .containsExactly(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, within(1e-6f));
    assertThat(stream.drainAcks()).isEmpty();
  }

  @Test
  void push_unknownGroup_acksNotFoundAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();
    Wire.PushStream stream = new Wire.PushStream(grpc.async());

    PushAck ack = stream.send(push(1, slice("w", 0.1f, 0.2f), slice("nope", 1f)));

    assertThat(ack.getCode()).isEqualTo(Status.Code.NOT_FOUND.value());
    assertThat(ack.getMessage()).contains("'nope'");
    assertThat(ack.getVersionsList()).isEmpty();
    before.assertEquals(state());
    // The stream survives a rejected push.
    assertThat(stream.send(push(2, slice("b", 1f))).getCode()).isZero();
  }

  @Test
  void push_lengthMismatch_acksInvalidArgumentAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();

    PushAck ack =
        new Wire.PushStream(grpc.async())
            .send(push(1, slice("b", 0.1f), slice("w", 0.1f, 0.2f, 0.3f)));

    assertThat(ack.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(ack.getMessage()).contains("'w'").contains("3").contains("2");
    before.assertEquals(state());
  }

  @Test
  void push_payloadNotMultipleOfFour_acksInvalidArgumentAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();
    GradientSlice bad =
        GradientSlice.newBuilder()
            .setGroup("w")
            .setValues(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7}))
            .build();

    PushAck ack = new Wire.PushStream(grpc.async()).send(push(1, slice("b", 1f), bad));

    assertThat(ack.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(ack.getMessage()).contains("7 bytes").contains("multiple of 4");
    before.assertEquals(state());
  }

  @Test
  void push_nanOrInfinity_acksInvalidArgumentAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();
    Wire.PushStream stream = new Wire.PushStream(grpc.async());

    PushAck nan = stream.send(push(1, slice("b", 1f), slice("w", 0.1f, Float.NaN)));
    PushAck inf = stream.send(push(2, slice("w", Float.NEGATIVE_INFINITY, 0f)));

    assertThat(nan.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(nan.getMessage()).contains("NaN").contains("index 1");
    assertThat(inf.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(inf.getMessage()).contains("-Infinity").contains("index 0");
    before.assertEquals(state());
  }

  /**
   * A NaN in the second message of a push is named by its index in the group, not in its slice, and
   * the first message's values, staged already, are not applied.
   */
  @Test
  void push_nanInLaterMessage_acksItsGroupIndexAndChangesNothing() throws Exception {
    Wire.create(grpc.async(), group("w", true, new float[10_000]));
    State before = state();
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    float[] first = new float[3_000];
    float[] second = new float[7_000];
    java.util.Arrays.fill(first, 0.5f);
    java.util.Arrays.fill(second, 0.5f);
    second[5_000] = Float.NaN;
    second[6_000] = Float.POSITIVE_INFINITY; // a later bad value must not be the one named
    stream.requests.onNext(
        PushRequest.newBuilder()
            .setPushId(1)
            .setContinued(true)
            .addGradients(slice("w", first))
            .build());
    stream.requests.onNext(push(1, slice("w", second).toBuilder().setOffset(3_000).build()));

    PushAck ack = stream.nextAck();

    assertThat(ack.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(ack.getMessage()).contains("group 'w'").contains("NaN").contains("index 8000");
    before.assertEquals(state());
    // The stream carries on with the next push.
    assertThat(stream.send(push(2, slice("w", new float[10_000]))).getCode())
        .isEqualTo(Status.Code.OK.value());
  }

  @Test
  void push_chunkOutOfOrder_acksInvalidArgumentAndChangesNothing() throws Exception {
    Wire.create(grpc.async(), group("w", false, 1f, 1f, 1f, 1f));
    State before = state();
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(
        PushRequest.newBuilder()
            .setPushId(1)
            .setContinued(true)
            .addGradients(slice("w", 1f, 2f).toBuilder().setOffset(2))
            .build());
    stream.requests.onNext(push(1, slice("w", 3f, 4f)));

    PushAck ack = stream.nextAck();

    assertThat(ack.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(ack.getMessage()).contains("offset 2").contains("expected 0");
    before.assertEquals(state());
  }

  @Test
  void push_streamEndsInsideChunkedPush_failsAndChangesNothing() throws Exception {
    Wire.create(grpc.async(), group("w", false, 1f, 1f));
    State before = state();
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(
        PushRequest.newBuilder()
            .setPushId(9)
            .setContinued(true)
            .addGradients(slice("w", 1f))
            .build());
    stream.requests.onCompleted();

    Throwable error = stream.closed.get(10, TimeUnit.SECONDS);

    assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(error).hasMessageContaining("push 9");
    before.assertEquals(state());
  }

  @Test
  void create_duplicate_failsAlreadyExistsAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();

    assertThatThrownBy(() -> Wire.create(grpc.async(), group("w", false, 9f)))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .satisfies(e -> assertCode(e, Status.Code.ALREADY_EXISTS))
        .hasMessageContaining("'w'");
    before.assertEquals(state());
  }

  @Test
  void create_emptyName_failsInvalidArgument() throws Exception {
    createReferenceGroups();
    State before = state();

    assertThatThrownBy(() -> Wire.create(grpc.async(), group("", false, 1f)))
        .cause()
        .satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("name must not be empty");
    before.assertEquals(state());
  }

  @Test
  void create_negativeLearningRate_failsInvalidArgumentNamingValue() throws Exception {
    CreateGroupRequest bad =
        group("w", true, 1f).toBuilder()
            .setHyperparameters(Hyperparameters.newBuilder().setLearningRate(-0.5))
            .build();

    assertThatThrownBy(() -> Wire.create(grpc.async(), bad))
        .cause()
        .satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("learning_rate")
        .hasMessageContaining("-0.5");
    assertThat(grpc.server().store().size()).isZero();
  }

  @Test
  void create_initialValuesInSlices_reassembledInOrder() throws Exception {
    CreateGroupRequest first =
        CreateGroupRequest.newBuilder()
            .setName("big")
            .setSize(4)
            .setInitialValues(bytes(1f, 2f))
            .build();
    CreateGroupRequest second =
        CreateGroupRequest.newBuilder().setOffset(2).setInitialValues(bytes(3f, 4f)).build();

    GroupInfo info = Wire.create(grpc.async(), first, second).getGroup();

    assertThat(info.getSize()).isEqualTo(4);
    assertThat(info.getHyperparameters().getLearningRate()).isEqualTo(0.01);
    assertThat(grpc.server().store().snapshot(List.of("big")).get("big"))
        .containsExactly(1f, 2f, 3f, 4f);
  }

  @Test
  void create_valuesNotCoveringGroup_failsInvalidArgument() {
    CreateGroupRequest partial =
        CreateGroupRequest.newBuilder()
            .setName("big")
            .setSize(4)
            .setInitialValues(bytes(1f, 2f))
            .build();

    assertThatThrownBy(() -> Wire.create(grpc.async(), partial))
        .cause()
        .satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("cover 2 of its 4");
    assertThat(grpc.server().store().size()).isZero();
  }

  @Test
  void listAndDelete_reportMetadataAndRemoveWhole() throws Exception {
    createReferenceGroups();

    List<GroupInfo> groups =
        grpc.blocking().listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList();
    assertThat(groups).extracting(GroupInfo::getName).containsExactly("b", "w");
    assertThat(groups.get(1).getWeightDecay()).isTrue();
    assertThat(groups.get(1).getSize()).isEqualTo(2);
    assertThat(groups.get(1).getHyperparameters().getWeightDecay()).isEqualTo(0.01);

    State before = state();
    assertThatThrownBy(
            () ->
                grpc.blocking()
                    .deleteGroups(
                        DeleteGroupsRequest.newBuilder().addNames("w").addNames("x").build()))
        .satisfies(e -> assertCode(e, Status.Code.NOT_FOUND))
        .hasMessageContaining("'x'");
    before.assertEquals(state());

    grpc.blocking().deleteGroups(DeleteGroupsRequest.newBuilder().addNames("w").build());
    assertThat(grpc.server().store().list(List.of()))
        .extracting(GroupMetadata::name)
        .containsExactly("b");
  }

  @Test
  void setHyperparameters_negativeWeightDecay_failsAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();

    assertThatThrownBy(
            () ->
                grpc.blocking()
                    .setHyperparameters(
                        SetHyperparametersRequest.newBuilder()
                            .setHyperparameters(
                                Hyperparameters.newBuilder()
                                    .setLearningRate(0.1)
                                    .setWeightDecay(-1))
                            .build()))
        .satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("weight_decay")
        .hasMessageContaining("-1.0");
    before.assertEquals(state());
  }

  @Test
  void setHyperparameters_learningRateOnly_keepsEachGroupsWeightDecay() throws Exception {
    createReferenceGroups();

    grpc.blocking()
        .setHyperparameters(
            SetHyperparametersRequest.newBuilder()
                .setHyperparameters(Hyperparameters.newBuilder().setLearningRate(0.05))
                .build());

    assertThat(grpc.server().store().list(List.of()))
        .extracting(GroupMetadata::hyperparameters)
        .containsOnly(new io.paramstream.core.Hyperparameters(0.05, 0.01));
  }

  @Test
  void setHyperparameters_zeroLearningRateSetExplicitly_isApplied() throws Exception {
    createReferenceGroups();

    grpc.blocking()
        .setHyperparameters(
            SetHyperparametersRequest.newBuilder()
                .addNames("w")
                .setHyperparameters(Hyperparameters.newBuilder().setLearningRate(0.0))
                .build());

    assertThat(grpc.server().store().list(List.of("w")).get(0).hyperparameters())
        .isEqualTo(new io.paramstream.core.Hyperparameters(0.0, 0.01));
  }

  @Test
  void setHyperparameters_nothingSet_failsNamingTheFieldsAndChangesNothing() throws Exception {
    createReferenceGroups();
    State before = state();

    assertThatThrownBy(
            () ->
                grpc.blocking()
                    .setHyperparameters(
                        SetHyperparametersRequest.newBuilder()
                            .setHyperparameters(Hyperparameters.getDefaultInstance())
                            .build()))
        .satisfies(e -> assertCode(e, Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("learning_rate");
    before.assertEquals(state());
  }

  @Test
  void createGroup_weightDecayUnset_takesServerDefault() throws Exception {
    Wire.create(
        grpc.async(),
        group("w", true, 1f).toBuilder()
            .setHyperparameters(Hyperparameters.newBuilder().setLearningRate(0.5))
            .build());

    assertThat(grpc.server().store().list(List.of("w")).get(0).hyperparameters())
        .isEqualTo(
            new io.paramstream.core.Hyperparameters(
                0.5, grpc.server().store().defaultHyperparameters().weightDecay()));
  }

  @Test
  void setHyperparameters_changesNextPush() throws Exception {
    Wire.create(grpc.async(), group("b", false, 1f));
    grpc.blocking()
        .setHyperparameters(
            SetHyperparametersRequest.newBuilder()
                .addNames("b")
                .setHyperparameters(Hyperparameters.newBuilder().setLearningRate(1.0))
                .build());

    new Wire.PushStream(grpc.async()).send(push(1, slice("b", 0.25f)));

    assertThat(grpc.server().store().snapshot(List.of("b")).get("b")).containsExactly(0.75f);
  }

  @Test
  void pull_groupLargerThanOneMessage_arrivesInChunks() throws Exception {
    int size = 1 << 20; // 4 MiB of values: more than gRPC's default message limit.
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = i * 0.5f;
    }
    grpc.server().store().create("big", values.clone(), false, null);

    Map<String, float[]> pulled =
        Wire.reassemble(
            grpc.blocking()
                .pull(
                    PullRequest.newBuilder()
                        .addGroups(GroupSelector.newBuilder().setName("big"))
                        .build()));

    assertThat(pulled.get("big")).isEqualTo(values);
  }

  @Test
  void pull_ifNewerThan_sendsNotModifiedUntilVersionAdvances() throws Exception {
    createReferenceGroups();
    PullRequest request =
        PullRequest.newBuilder()
            .addGroups(GroupSelector.newBuilder().setName("w").setIfNewerThan(0))
            .addGroups(GroupSelector.newBuilder().setName("b"))
            .build();

    Map<String, float[]> first = Wire.reassemble(grpc.blocking().pull(request));
    assertThat(first).containsKey("w");
    assertThat(first.get("w")).isNull();
    assertThat(first.get("b")).containsExactly(0.5f);

    new Wire.PushStream(grpc.async()).send(push(1, slice("w", 0f, 0f)));
    Map<String, float[]> second = Wire.reassemble(grpc.blocking().pull(request));
    assertThat(second.get("w")).isNotNull();
  }

  @Test
  void pull_unknownGroup_failsNotFound() throws Exception {
    createReferenceGroups();
    PullRequest request =
        PullRequest.newBuilder()
            .addGroups(GroupSelector.newBuilder().setName("w"))
            .addGroups(GroupSelector.newBuilder().setName("ghost"))
            .build();

    assertThatThrownBy(() -> grpc.blocking().pull(request).forEachRemaining(c -> {}))
        .satisfies(e -> assertCode(e, Status.Code.NOT_FOUND))
        .hasMessageContaining("'ghost'");
  }

  @Test
  void health_reportsServing() {
    ServingStatus status =
        HealthGrpc.newBlockingStub(grpc.channel())
            .check(
                HealthCheckRequest.newBuilder().setService(ParamstreamServer.SERVICE_NAME).build())
            .getStatus();

    assertThat(status).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflection_listsTheParameterServerService() throws Exception {
    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(grpc.channel()).serverReflectionInfo(Wire.observer(response));
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());

    List<String> services =
        response.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    requests.onCompleted();

    assertThat(services).contains("paramstream.v1.ParameterServer", "grpc.health.v1.Health");
  }

  private static void assertCode(Throwable error, Status.Code code) {
    assertThat(error).isInstanceOf(StatusRuntimeException.class);
    assertThat(((StatusRuntimeException) error).getStatus().getCode()).isEqualTo(code);
  }
}
