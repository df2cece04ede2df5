package io.paramstream.client;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.client.internal.FloatCodec;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import io.paramstream.proto.v1.DeleteGroupsRequest;
import io.paramstream.proto.v1.DeleteGroupsResponse;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupInfo;
import io.paramstream.proto.v1.GroupVersion;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ListGroupsResponse;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.SetHyperparametersRequest;
import io.paramstream.proto.v1.SetHyperparametersResponse;
import io.paramstream.proto.v1.WatchRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted stand-in for the server: records what the client sent and answers with what the test
 * set up, so client behaviour can be checked message by message without the real server.
 */
final class FakeParameterServer extends ParameterServerGrpc.ParameterServerImplBase {
  // What the client sent.
  final List<CreateGroupRequest> createRequests = new CopyOnWriteArrayList<>();
  final List<PushRequest> pushRequests = new CopyOnWriteArrayList<>();
  final List<PullRequest> pullRequests = new CopyOnWriteArrayList<>();
  final List<WatchRequest> watchRequests = new CopyOnWriteArrayList<>();
  final List<ListGroupsRequest> listRequests = new CopyOnWriteArrayList<>();
  final List<DeleteGroupsRequest> deleteRequests = new CopyOnWriteArrayList<>();
  final List<SetHyperparametersRequest> setHyperparametersRequests = new CopyOnWriteArrayList<>();
  final AtomicInteger pushCalls = new AtomicInteger();
  final AtomicInteger pullCalls = new AtomicInteger();
  final CountDownLatch watchCancelled = new CountDownLatch(1);

  // Scripted replies.
  volatile Status createFailure;
  volatile boolean listNeverAnswers;
  volatile List<GroupInfo> listReply = List.of();
  volatile Function<List<PushRequest>, PushAck> ackFor = this::okAck;
  volatile boolean ackPushes = true;
  volatile Status pushStreamFailure;
  volatile int failPushStreamAfterPushes = 1;
  volatile int pullFailuresBeforeSuccess;
  volatile Status pullFailure = Status.UNAVAILABLE.withDescription("server restarting");
  volatile List<GroupChunk> pullReply = List.of();
  volatile List<GroupChunk> watchReply = List.of();
  volatile Status watchFailure;

  private final Map<String, Long> versions = Collections.synchronizedMap(new HashMap<>());

  @Override
  public StreamObserver<CreateGroupRequest> createGroup(
      StreamObserver<CreateGroupResponse> responses) {
    return new StreamObserver<>() {
      private CreateGroupRequest first;

      @Override
      public void onNext(CreateGroupRequest request) {
        createRequests.add(request);
        if (first == null) {
          first = request;
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        if (createFailure != null) {
          responses.onError(createFailure.asRuntimeException());
          return;
        }
        GroupInfo.Builder group =
            GroupInfo.newBuilder()
                .setName(first.getName())
                .setSize(first.getSize())
                .setWeightDecay(first.getWeightDecay());
        if (first.hasHyperparameters()) {
          group.setHyperparameters(first.getHyperparameters());
        }
        responses.onNext(CreateGroupResponse.newBuilder().setGroup(group).build());
        responses.onCompleted();
      }
    };
  }

  @Override
  public void checkpoint(
      io.paramstream.proto.v1.CheckpointRequest request,
      StreamObserver<io.paramstream.proto.v1.CheckpointResponse> responses) {
    responses.onNext(
        io.paramstream.proto.v1.CheckpointResponse.newBuilder()
            .setFile("checkpoint-7.bin")
            .setGroups(2)
            .setTables(3)
            .build());
    responses.onCompleted();
  }

  @Override
  public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> responses) {
    listRequests.add(request);
    if (listNeverAnswers) {
      return;
    }
    responses.onNext(ListGroupsResponse.newBuilder().addAllGroups(listReply).build());
    responses.onCompleted();
  }

  @Override
  public void deleteGroups(
      DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> responses) {
    deleteRequests.add(request);
    responses.onNext(DeleteGroupsResponse.getDefaultInstance());
    responses.onCompleted();
  }

  @Override
  public void setHyperparameters(
      SetHyperparametersRequest request, StreamObserver<SetHyperparametersResponse> responses) {
    setHyperparametersRequests.add(request);
    SetHyperparametersResponse.Builder reply = SetHyperparametersResponse.newBuilder();
    for (String name : request.getNamesList()) {
      reply.addGroups(
          GroupInfo.newBuilder().setName(name).setHyperparameters(request.getHyperparameters()));
    }
    responses.onNext(reply.build());
    responses.onCompleted();
  }

  @Override
  public StreamObserver<PushRequest> push(StreamObserver<PushAck> acks) {
    pushCalls.incrementAndGet();
    return new StreamObserver<>() {
      private List<PushRequest> current = new ArrayList<>();
      private int completed;

      @Override
      public void onNext(PushRequest request) {
        pushRequests.add(request);
        current.add(request);
        if (request.getContinued()) {
          return;
        }
        List<PushRequest> push = current;
        current = new ArrayList<>();
        completed++;
        if (pushStreamFailure != null && completed >= failPushStreamAfterPushes) {
          acks.onError(pushStreamFailure.asRuntimeException());
        } else if (ackPushes) {
          acks.onNext(ackFor.apply(push));
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        acks.onCompleted();
      }
    };
  }

  /** Acknowledges a push with each group's version advanced by one. */
  PushAck okAck(List<PushRequest> push) {
    PushAck.Builder ack = PushAck.newBuilder().setPushId(push.get(0).getPushId());
    LinkedHashSet<String> groups = new LinkedHashSet<>();
    push.forEach(m -> m.getGradientsList().forEach(s -> groups.add(s.getGroup())));
    for (String group : groups) {
      long version = versions.merge(group, 1L, Long::sum);
      ack.addVersions(GroupVersion.newBuilder().setGroup(group).setVersion(version));
    }
    return ack.build();
  }

  @Override
  public void pull(PullRequest request, StreamObserver<GroupChunk> chunks) {
    pullRequests.add(request);
    if (pullCalls.incrementAndGet() <= pullFailuresBeforeSuccess) {
      chunks.onError(pullFailure.asRuntimeException());
      return;
    }
    pullReply.forEach(chunks::onNext);
    chunks.onCompleted();
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<GroupChunk> chunks) {
    watchRequests.add(request);
    ((ServerCallStreamObserver<GroupChunk>) chunks).setOnCancelHandler(watchCancelled::countDown);
    watchReply.forEach(chunks::onNext);
    if (watchFailure != null) {
      chunks.onError(watchFailure.asRuntimeException());
    }
    // Otherwise the watch stays open, as a real one does.
  }

  /** Splits a group into chunks of at most {@code perChunk} elements, as the server does. */
  static List<GroupChunk> chunks(String name, long version, float[] values, int perChunk) {
    List<GroupChunk> chunks = new ArrayList<>();
    for (int offset = 0; offset < values.length; offset += perChunk) {
      int n = Math.min(perChunk, values.length - offset);
      chunks.add(
          GroupChunk.newBuilder()
              .setName(name)
              .setVersion(version)
              .setSize(values.length)
              .setOffset(offset)
              .setValues(FloatCodec.encode(values, offset, n))
              .build());
    }
    return chunks;
  }

  /** Reassembles the slices of one group from recorded push messages, checking their order. */
  static float[] gradientOf(String group, List<PushRequest> messages, int size) {
    float[] values = new float[size];
    int next = 0;
    for (PushRequest message : messages) {
      for (GradientSlice slice : message.getGradientsList()) {
        if (slice.getGroup().equals(group)) {
          if (slice.getOffset() != next) {
            throw new AssertionError("slice at " + slice.getOffset() + ", expected " + next);
          }
          next += FloatCodec.decodeInto(slice.getValues(), values, next);
        }
      }
    }
    if (next != size) {
      throw new AssertionError("slices cover " + next + " of " + size + " elements");
    }
    return values;
  }

  static float[] ramp(int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = i * 0.5f - 7f;
    }
    return values;
  }
}
