package io.paramstream.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.client.internal.Errors;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.wire.AliasingMarshaller;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A client's long-lived PullStream call, shared by its pulls one at a time: a pull on it costs one
 * message each way instead of setting up and tearing down a call. It is opened on first use and
 * again after it breaks. A pull that finds it busy (another thread is pulling), or a server without
 * PullStream, gets {@code null} and makes a one-off Pull call instead.
 */
final class SharedPullStream {
  // Chunks are decoded into the result inside onNext, so their values may alias gRPC's buffer.
  private static final MethodDescriptor<PullRequest, GroupChunk> METHOD =
      AliasingMarshaller.forResponses(
          ParameterServerGrpc.getPullStreamMethod(), GroupChunk.getDefaultInstance());

  private final Channel channel;
  private final CallOptions callOptions;
  private final Context context;
  private final ReentrantLock inUse = new ReentrantLock();

  // Guarded by inUse. The open stream, or null.
  private Open stream;

  // The server answered UNIMPLEMENTED: it predates PullStream.
  private volatile boolean unsupported;

  /**
   * @param context the stream is started in it, so cancelling it (the client closing) ends it
   */
  SharedPullStream(Channel channel, CallOptions callOptions, Context context) {
    this.channel = channel;
    this.callOptions = callOptions;
    this.context = context;
  }

  /**
   * Pulls on the shared stream, waiting at most until {@code deadline}.
   *
   * @return the snapshot, or null if the stream is busy or the server has no PullStream
   * @throws ParamstreamException as a Pull call would fail; the stream is then dropped
   */
  ParamstreamClient.PullResult tryPull(PullRequest request, Deadline deadline) {
    if (unsupported || !inUse.tryLock()) {
      return null;
    }
    try {
      if (stream == null || stream.broken != null) {
        // Never opened, or it broke while idle (e.g. the server restarted): a fresh one.
        stream = open();
      }
      Open open = stream;
      Answer answer = new Answer();
      try {
        open.ask(request, answer);
        return answer.await(deadline);
      } catch (ParamstreamException e) {
        stream = null;
        open.requests.cancel("pull failed", e);
        if (e.code() == ErrorCode.UNIMPLEMENTED) {
          unsupported = true;
          return null;
        }
        throw e;
      }
    } finally {
      inUse.unlock();
    }
  }

  private Open open() {
    Open open = new Open();
    Context previous = context.attach();
    try {
      ClientCalls.asyncBidiStreamingCall(channel.newCall(METHOD, callOptions), open);
    } finally {
      context.detach(previous);
    }
    return open;
  }

  /** The stream's observer; gRPC calls it on its threads while a puller waits. */
  private static final class Open implements ClientResponseObserver<PullRequest, GroupChunk> {
    private ClientCallStreamObserver<PullRequest> requests;
    // Handed over between the puller and gRPC's threads: each writes its own, then reads the
    // other's, so whichever comes second sees the first and the answer cannot be missed.
    private volatile Answer answer;
    private volatile ParamstreamException broken;

    @Override
    public void beforeStart(ClientCallStreamObserver<PullRequest> requestStream) {
      this.requests = requestStream;
    }

    void ask(PullRequest request, Answer next) {
      answer = next;
      ParamstreamException failure = broken;
      if (failure != null) {
        throw failure;
      }
      requests.onNext(request);
    }

    @Override
    public void onNext(GroupChunk chunk) {
      Answer current = answer;
      if (current == null) {
        fail(Errors.protocol("PullStream sent a chunk nobody asked for"));
        requests.cancel("unexpected chunk", null);
        return;
      }
      try {
        ParamstreamClient.PullResult done = current.accept(chunk);
        if (done != null) {
          // Cleared before the puller wakes up, or this would wipe out the next puller's answer.
          answer = null;
          current.result.complete(done);
        }
      } catch (ParamstreamException e) {
        fail(e);
        requests.cancel(e.getMessage(), e);
      }
    }

    @Override
    public void onError(Throwable t) {
      fail(Errors.from(t));
    }

    @Override
    public void onCompleted() {
      fail(Errors.protocol("the server ended PullStream"));
    }

    private void fail(ParamstreamException e) {
      broken = e;
      Answer current = answer;
      if (current != null) {
        current.result.completeExceptionally(e);
      }
    }
  }

  /** The answer to one request, assembled from its chunks. */
  private static final class Answer {
    private final CompletableFuture<ParamstreamClient.PullResult> result =
        new CompletableFuture<>();
    private final PulledSnapshot snapshot = new PulledSnapshot();

    /** Consumes a chunk; the snapshot once it ended the answer, otherwise null. */
    ParamstreamClient.PullResult accept(GroupChunk chunk) {
      snapshot.accept(chunk);
      return chunk.getEndOfPull() ? snapshot.finish() : null;
    }

    ParamstreamClient.PullResult await(Deadline deadline) {
      try {
        return result.get(
            Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ParamstreamException(ErrorCode.CANCELLED, "interrupted");
      } catch (ExecutionException e) {
        throw Errors.from(e.getCause());
      } catch (TimeoutException e) {
        throw new ParamstreamException(
            ErrorCode.DEADLINE_EXCEEDED, "no pull answer by the deadline");
      }
    }
  }
}
