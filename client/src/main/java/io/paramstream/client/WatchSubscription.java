package io.paramstream.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.client.internal.ChunkAssembler;
import io.paramstream.client.internal.Errors;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.WatchRequest;
import java.util.function.Consumer;

/**
 * An open Watch call delivering fresh group values as the server publishes them. Close it to stop
 * watching; closing cancels the call and releases its resources on both sides.
 *
 * <p>Callbacks run on a gRPC thread, one at a time, in arrival order. A slow callback slows the
 * stream (the next message is requested only after it returns), and the server then skips
 * intermediate versions rather than queueing them, so a watcher always catches up with the latest
 * values.
 */
public final class WatchSubscription implements AutoCloseable {
  private final Consumer<GroupValues> onUpdate;
  private final Consumer<ParamstreamException> onError;
  private final ChunkAssembler assembler = new ChunkAssembler();
  // Set once, by gRPC before the call starts (inside open()).
  private volatile ClientCallStreamObserver<WatchRequest> call;
  // True once the stream ended or was closed: no more callbacks after that.
  private volatile boolean done;

  private WatchSubscription(
      Consumer<GroupValues> onUpdate, Consumer<ParamstreamException> onError) {
    this.onUpdate = onUpdate;
    this.onError = onError;
  }

  static WatchSubscription open(
      ParameterServerGrpc.ParameterServerStub stub,
      WatchRequest request,
      Consumer<GroupValues> onUpdate,
      Consumer<ParamstreamException> onError) {
    WatchSubscription subscription = new WatchSubscription(onUpdate, onError);
    stub.watch(request, subscription.new ChunkObserver());
    return subscription;
  }

  /** Whether the watch has ended, by {@link #close()}, an error, or the server ending it. */
  public boolean isDone() {
    return done;
  }

  /** Cancels the watch. No callback runs after this returns, except one already running. */
  @Override
  public void close() {
    if (!done) {
      done = true;
      call.cancel("watch closed by the client", null);
    }
  }

  private void fail(ParamstreamException e) {
    if (!done) {
      done = true;
      onError.accept(e);
    }
  }

  private final class ChunkObserver implements ClientResponseObserver<WatchRequest, GroupChunk> {
    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(GroupChunk chunk) {
      if (done) {
        return;
      }
      GroupValues values;
      try {
        values = assembler.accept(chunk);
      } catch (ParamstreamException e) {
        call.cancel(e.getMessage(), e);
        fail(e);
        return;
      }
      if (values == null) {
        return;
      }
      try {
        onUpdate.accept(values);
      } catch (RuntimeException e) {
        // A failing callback must not silently kill the stream; end it and say why.
        ParamstreamException reason =
            new ParamstreamException(ErrorCode.CANCELLED, "onUpdate callback threw " + e, e);
        call.cancel(reason.getMessage(), reason);
        fail(reason);
      }
    }

    @Override
    public void onError(Throwable t) {
      fail(Errors.from(t));
    }

    @Override
    public void onCompleted() {
      // A watch is open-ended; a normal end means the server went away, so let the caller
      // resubscribe.
      fail(new ParamstreamException(ErrorCode.UNAVAILABLE, "server ended the watch"));
    }
  }
}
