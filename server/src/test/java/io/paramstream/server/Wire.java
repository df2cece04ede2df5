package io.paramstream.server;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Test helpers that speak the protocol with the generated stubs only, as any language would. */
final class Wire {

  private Wire() {}

  static ByteString bytes(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return ByteString.copyFrom(buffer.array());
  }

  static float[] floats(ByteString bytes) {
    float[] values = new float[bytes.size() / 4];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  static GradientSlice slice(String group, float... values) {
    return GradientSlice.newBuilder().setGroup(group).setValues(bytes(values)).build();
  }

  static PushRequest push(long id, GradientSlice... slices) {
    return PushRequest.newBuilder().setPushId(id).addAllGradients(List.of(slices)).build();
  }

  /** Creates a group with one message and waits for the answer. */
  static CreateGroupResponse create(
      ParameterServerGrpc.ParameterServerStub stub, CreateGroupRequest... messages)
      throws Exception {
    CompletableFuture<CreateGroupResponse> result = new CompletableFuture<>();
    StreamObserver<CreateGroupRequest> requests =
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).createGroup(observer(result));
    for (CreateGroupRequest message : messages) {
      requests.onNext(message);
    }
    requests.onCompleted();
    return result.get(10, TimeUnit.SECONDS);
  }

  static CreateGroupRequest group(String name, boolean decay, float... values) {
    return CreateGroupRequest.newBuilder()
        .setName(name)
        .setSize(values.length)
        .setWeightDecay(decay)
        .setInitialValues(bytes(values))
        .setHyperparameters(
            io.paramstream.proto.v1.Hyperparameters.newBuilder()
                .setLearningRate(0.1)
                .setWeightDecay(0.01))
        .build();
  }

  /** Reassembles a chunk stream into name -> values (not-modified groups map to null). */
  static Map<String, float[]> reassemble(Iterator<GroupChunk> chunks) {
    Map<String, float[]> groups = new HashMap<>();
    while (chunks.hasNext()) {
      GroupChunk chunk = chunks.next();
      if (chunk.getNotModified()) {
        groups.put(chunk.getName(), null);
        continue;
      }
      float[] values =
          groups.computeIfAbsent(chunk.getName(), n -> new float[(int) chunk.getSize()]);
      float[] part = floats(chunk.getValues());
      System.arraycopy(part, 0, values, (int) chunk.getOffset(), part.length);
    }
    return groups;
  }

  static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.complete(null);
      }
    };
  }

  /** A Push stream whose acks land in a queue. */
  static final class PushStream implements StreamObserver<PushAck> {
    final LinkedBlockingQueue<PushAck> acks = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    final StreamObserver<PushRequest> requests;

    PushStream(ParameterServerGrpc.ParameterServerStub stub) {
      requests = stub.push(this);
    }

    PushAck send(PushRequest request) throws InterruptedException {
      requests.onNext(request);
      return nextAck();
    }

    PushAck nextAck() throws InterruptedException {
      PushAck ack = acks.poll(10, TimeUnit.SECONDS);
      if (ack == null) {
        // Say whether the stream ended meanwhile, and how: that is the likelier cause.
        Throwable ended = closed.getNow(null);
        throw new AssertionError(
            "no ack within 10 s; the stream "
                + (!closed.isDone() ? "is still open" : "ended with " + ended),
            ended);
      }
      return ack;
    }

    List<PushAck> drainAcks() {
      List<PushAck> list = new ArrayList<>();
      acks.drainTo(list);
      return list;
    }

    @Override
    public void onNext(PushAck value) {
      acks.add(value);
    }

    @Override
    public void onError(Throwable t) {
      closed.complete(t);
    }

    @Override
    public void onCompleted() {
      closed.complete(null);
    }
  }
}
