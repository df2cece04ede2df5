package io.paramstream.e2e;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.Hyperparameters;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Raw protocol helpers, so the tests see exactly what travels on the wire. */
final class Stubs {

  private Stubs() {}

  /** A group's values at one version, as pulled. */
  record Pulled(long version, float[] values) {}

  /** Messages as raw bytes, to send what no client library would (garbage, say). */
  static final MethodDescriptor.Marshaller<byte[]> RAW_BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /**
   * Sends {@code request} as the one message of a call to {@code method}, whatever its type, and
   * returns how the call ended.
   */
  static Status callRaw(
      ManagedChannel channel, MethodDescriptor<?, ?> method, Metadata headers, byte[] request)
      throws Exception {
    MethodDescriptor<byte[], byte[]> raw =
        method.toBuilder(RAW_BYTES, RAW_BYTES)
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .build();
    ClientCall<byte[], byte[]> call = channel.newCall(raw, CallOptions.DEFAULT);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        headers);
    call.request(Integer.MAX_VALUE);
    call.sendMessage(request);
    call.halfClose();
    return closed.get(10, TimeUnit.SECONDS);
  }

  /** Headers carrying {@code authorization: Bearer <token>}. */
  /**
   * An observer that puts every reply in {@code replies}: each message, then the error or the
   * string "completed", so a test can take them in order from one thread.
   */
  static <T> StreamObserver<T> queueing(BlockingQueue<Object> replies) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        replies.add(value);
      }

      @Override
      public void onError(Throwable t) {
        replies.add(t);
      }

      @Override
      public void onCompleted() {
        replies.add("completed");
      }
    };
  }

  static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return headers;
  }

  static ManagedChannel plaintext(String target) {
    return NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  static ParameterServerGrpc.ParameterServerBlockingStub blocking(ManagedChannel channel) {
    return ParameterServerGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  static ByteString encode(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return ByteString.copyFrom(buffer.array());
  }

  static void create(
      ParameterServerGrpc.ParameterServerStub async, String name, int size, double lr)
      throws Exception {
    create(async, name, size, lr, false);
  }

  /** Creates a group; with {@code withValues} its initial values travel in one message. */
  static void create(
      ParameterServerGrpc.ParameterServerStub async,
      String name,
      int size,
      double lr,
      boolean withValues)
      throws Exception {
    var done = new java.util.concurrent.CompletableFuture<Void>();
    var requests =
        async.createGroup(
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(io.paramstream.proto.v1.CreateGroupResponse value) {}

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    requests.onNext(
        CreateGroupRequest.newBuilder()
            .setName(name)
            .setSize(size)
            .setWeightDecay(true)
            .setHyperparameters(
                Hyperparameters.newBuilder().setLearningRate(lr).setWeightDecay(0.01))
            .setInitialValues(withValues ? encode(new float[size]) : ByteString.EMPTY)
            .build());
    requests.onCompleted();
    done.get(20, TimeUnit.SECONDS);
  }

  /** Every group, assembled from its chunks. */
  static Map<String, Pulled> pullAll(ParameterServerGrpc.ParameterServerBlockingStub stub) {
    Map<String, float[]> values = new LinkedHashMap<>();
    Map<String, Long> versions = new LinkedHashMap<>();
    Iterator<GroupChunk> chunks = stub.pull(PullRequest.getDefaultInstance());
    while (chunks.hasNext()) {
      GroupChunk chunk = chunks.next();
      float[] group =
          values.computeIfAbsent(chunk.getName(), n -> new float[(int) chunk.getSize()]);
      versions.put(chunk.getName(), chunk.getVersion());
      chunk
          .getValues()
          .asReadOnlyByteBuffer()
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(group, (int) chunk.getOffset(), chunk.getValues().size() / 4);
    }
    Map<String, Pulled> result = new LinkedHashMap<>();
    values.forEach((name, v) -> result.put(name, new Pulled(versions.get(name), v)));
    return result;
  }

  /** A check that may need a few tries while the server catches up. */
  interface Check {
    void run() throws Exception;
  }

  /** Repeats {@code check} until it passes, failing with its last error after {@code within}. */
  static void eventually(java.time.Duration within, Check check) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (Exception | AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  static PullRequest pullOf(String name) {
    return PullRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName(name)).build();
  }
}
