package io.paramstream.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.client.internal.ChunkAssembler;
import io.paramstream.client.internal.Errors;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.WatchRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An open Watch call delivering fresh group values as the server publishes them: either one {@link
 * WatchSet} per callback (a consistent set of groups, see {@link ParamstreamClient#watchSets}), or
 * one group per callback. Close it to stop watching; closing cancels the call and releases its
 * resources on both sides.
 *
 * <p>Callbacks run on a gRPC thread, one at a time, in arrival order. A slow callback slows the
 * stream (the next message is requested only after it returns), and the server then skips
 * intermediate versions rather than queueing them, so a watcher always catches up with the latest
 * values.
 *
 * <p>A watch that fails because of the transport names the server, the groups and the cause: e.g.
 * "server 127.0.0.1:50051 unavailable (server ended the watch) while watching group 'w'".
 */
public final class WatchSubscription implements AutoCloseable {
  // Receives each group as it completes; null when delivering sets.
  private final Consumer<GroupValues> onUpdate;
  // Receives each set at its end marker; null when delivering groups.
  private final Consumer<WatchSet> onSet;
  // Groups of the set in progress; touched only by the call's observer.
  private final List<GroupValues> pendingSet = new ArrayList<>();
  private final Consumer<ParamstreamException> onError;
  // The server's address and "watching group 'w'", for error messages.
  private final String target;
  private final String operation;
  private final ChunkAssembler assembler = new ChunkAssembler();
  // Set once, by gRPC before the call starts (inside open()).
  private volatile ClientCallStreamObserver<WatchRequest> call;
  // True once the stream ended or was closed: no more callbacks after that.
  private volatile boolean done;

  private WatchSubscription(
      Consumer<GroupValues> onUpdate,
      Consumer<WatchSet> onSet,
      Consumer<ParamstreamException> onError,
      String target,
      WatchRequest request) {
    this.onUpdate = onUpdate;
    this.onSet = onSet;
    this.onError = onError;
    this.target = target;
    this.operation =
        "watching "
            + Errors.groups(request.getGroupsList().stream().map(GroupSelector::getName).toList());
  }

  /**
   * A watch calling {@code onUpdate} once per group, as each group completes.
   *
   * @param target the server's address, for error messages
   */
  static WatchSubscription open(
      ParameterServerGrpc.ParameterServerStub stub,
      String target,
      WatchRequest request,
      Consumer<GroupValues> onUpdate,
      Consumer<ParamstreamException> onError) {
    WatchSubscription subscription =
        new WatchSubscription(onUpdate, null, onError, target, request);
    stub.watch(request, subscription.new ChunkObserver());
    return subscription;
  }

  /** A watch calling {@code onSet} once per consistent set, at the set's end marker. */
  static WatchSubscription openSets(
      ParameterServerGrpc.ParameterServerStub stub,
      String target,
      WatchRequest request,
      Consumer<WatchSet> onSet,
      Consumer<ParamstreamException> onError) {
    WatchSubscription subscription = new WatchSubscription(null, onSet, onError, target, request);
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
      // No deadline: a watch is open-ended.
      onError.accept(Errors.inContext(e, target, null, operation));
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
      try {
        deliver(values, chunk.getEndOfPull());
      } catch (RuntimeException e) {
        // A failing callback must not silently kill the stream; end it and say why.
        ParamstreamException reason =
            new ParamstreamException(ErrorCode.CANCELLED, "watch callback threw " + e, e);
        call.cancel(reason.getMessage(), reason);
        fail(reason);
      }
    }

    /** Hands a completed group (or null) on; the server marks a set's last chunk. */
    private void deliver(GroupValues values, boolean endOfSet) {
      if (onUpdate != null) {
        if (values != null) {
          onUpdate.accept(values);
        }
        return;
      }
      if (values != null) {
        pendingSet.add(values);
      }
      if (endOfSet && !pendingSet.isEmpty()) {
        WatchSet set = new WatchSet(pendingSet);
        pendingSet.clear();
        onSet.accept(set);
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
