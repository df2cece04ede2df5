package io.paramstream.simulator;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.WatchRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Clients that try to make the server hold memory: pushes and creates that start and never finish,
 * watchers that never read, pullers that read slowly. Each call's end (and each push ack) is
 * recorded as a status, so a caller can check that none was UNKNOWN. Raw stubs, not the client
 * library, since the library would finish what it starts.
 */
public final class HostileClients implements AutoCloseable {

  private final ParameterServerGrpc.ParameterServerStub stub;
  private final List<Status> statuses = new CopyOnWriteArrayList<>();
  private final List<ClientCallStreamObserver<?>> calls = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService slowReads =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "slow-reader");
            thread.setDaemon(true);
            return thread;
          });

  public HostileClients(Channel channel) {
    this.stub = ParameterServerGrpc.newStub(channel);
  }

  /**
   * A push whose first message names every group in {@code groups} with a slice of {@code
   * sliceFloats} at offset 0, says more follows, and then sends nothing more.
   */
  public void stalledPush(long pushId, List<String> groups, int sliceFloats) {
    PushRequest.Builder message = PushRequest.newBuilder().setPushId(pushId).setContinued(true);
    for (String group : groups) {
      message.addGradients(
          GradientSlice.newBuilder().setGroup(group).setValues(zeros(sliceFloats)));
    }
    Recorder<PushRequest, PushAck> recorder =
        new Recorder<>(ack -> statuses.add(Status.fromCodeValue(ack.getCode())));
    stub.push(recorder).onNext(message.build());
  }

  /**
   * A create whose first message announces {@code size} elements (with a first slice of {@code
   * sliceFloats} values unless 0) and which never half-closes.
   */
  public void stalledCreate(String name, long size, int sliceFloats) {
    CreateGroupRequest.Builder first = CreateGroupRequest.newBuilder().setName(name).setSize(size);
    if (sliceFloats > 0) {
      first.setInitialValues(zeros(sliceFloats));
    }
    stub.createGroup(new Recorder<CreateGroupRequest, CreateGroupResponse>(r -> {}))
        .onNext(first.build());
  }

  /** A complete create of {@code size} zeros; completes with the status it ended with. */
  public CompletableFuture<Status> create(String name, long size) {
    Recorder<CreateGroupRequest, CreateGroupResponse> recorder = new Recorder<>(r -> {});
    var requests = stub.withDeadlineAfter(60, TimeUnit.SECONDS).createGroup(recorder);
    requests.onNext(CreateGroupRequest.newBuilder().setName(name).setSize(size).build());
    requests.onCompleted();
    return recorder.ended;
  }

  /** A watch of {@code group} that never reads a message. */
  public void nonReadingWatcher(String group) {
    Recorder<WatchRequest, GroupChunk> recorder = new Recorder<>(chunk -> {});
    recorder.manualReads = true;
    stub.watch(
        WatchRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName(group)).build(),
        recorder);
  }

  /** A pull of {@code group} that reads one chunk every {@code intervalMillis}. */
  public void slowPuller(String group, long intervalMillis) {
    Recorder<PullRequest, GroupChunk> recorder = new Recorder<>(chunk -> {});
    recorder.manualReads = true;
    stub.pull(
        PullRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName(group)).build(),
        recorder);
    slowReads.scheduleAtFixedRate(
        () -> {
          if (!recorder.ended.isDone()) {
            recorder.call.request(1);
          }
        },
        intervalMillis,
        intervalMillis,
        TimeUnit.MILLISECONDS);
  }

  /** Every status seen so far: calls that ended and push acks. */
  public List<Status> statuses() {
    return List.copyOf(statuses);
  }

  /** Cancels every call still open. */
  @Override
  public void close() {
    slowReads.shutdownNow();
    for (ClientCallStreamObserver<?> call : calls) {
      call.cancel("attack over", null);
    }
  }

  private static ByteString zeros(int floats) {
    return ByteString.copyFrom(new byte[floats * Float.BYTES]);
  }

  private interface OnMessage<T> {
    void accept(T message);
  }

  /** Records how a call ended; with manual reads, asks for nothing unless told to. */
  private final class Recorder<ReqT, RespT> implements ClientResponseObserver<ReqT, RespT> {
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    final OnMessage<RespT> onMessage;
    boolean manualReads;
    ClientCallStreamObserver<ReqT> call;

    Recorder(OnMessage<RespT> onMessage) {
      this.onMessage = onMessage;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ReqT> requestStream) {
      call = requestStream;
      calls.add(requestStream);
      if (manualReads) {
        requestStream.disableAutoRequestWithInitial(0);
      }
    }

    @Override
    public void onNext(RespT message) {
      onMessage.accept(message);
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      statuses.add(status);
      ended.complete(status);
    }

    @Override
    public void onCompleted() {
      statuses.add(Status.OK);
      ended.complete(Status.OK);
    }
  }
}
