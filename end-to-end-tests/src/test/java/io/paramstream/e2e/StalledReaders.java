package io.paramstream.e2e;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.paramstream.proto.v1.GroupChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reader calls that take their answers very slowly or never: raw gRPC calls with manual flow
 * control that ask for one message every {@code period} (or never), so the server sees readers
 * whose transport is almost always full.
 */
final class StalledReaders implements AutoCloseable {

  private final List<ClientCall<?, GroupChunk>> calls = new ArrayList<>();
  private final ConcurrentHashMap.KeySetView<Status.Code, Boolean> closeCodes =
      ConcurrentHashMap.newKeySet();
  private final AtomicLong received = new AtomicLong();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

  /** Starts a call that requests one message every {@code periodMillis}, or never if 0. */
  <Req> void start(
      ManagedChannel channel,
      MethodDescriptor<Req, GroupChunk> method,
      Req request,
      long periodMillis) {
    ClientCall<Req, GroupChunk> call = channel.newCall(method, CallOptions.DEFAULT);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(GroupChunk message) {
            received.incrementAndGet();
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closeCodes.add(status.getCode());
          }
        },
        new Metadata());
    call.sendMessage(request);
    call.halfClose();
    synchronized (calls) {
      calls.add(call);
    }
    if (periodMillis > 0) {
      ticker.scheduleAtFixedRate(() -> call.request(1), 0, periodMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Chunks the readers took so far. */
  long received() {
    return received.get();
  }

  /** Status codes the calls ended with so far (CANCELLED once {@link #close} cancelled them). */
  java.util.Set<Status.Code> closeCodes() {
    return closeCodes;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    synchronized (calls) {
      calls.forEach(call -> call.cancel("attack over", null));
    }
  }
}
