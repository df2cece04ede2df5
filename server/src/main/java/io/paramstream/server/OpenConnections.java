package io.paramstream.server;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts client connections that completed their handshake and have not closed yet. */
final class OpenConnections extends ServerTransportFilter {

  // Marks a counted transport: gRPC may report the end of one that never became ready.
  private static final Attributes.Key<Boolean> COUNTED =
      Attributes.Key.create("paramstream.counted");

  private final AtomicInteger open = new AtomicInteger();

  @Override
  public Attributes transportReady(Attributes attributes) {
    open.incrementAndGet();
    return attributes.toBuilder().set(COUNTED, Boolean.TRUE).build();
  }

  @Override
  public void transportTerminated(Attributes attributes) {
    if (attributes != null && Boolean.TRUE.equals(attributes.get(COUNTED))) {
      open.decrementAndGet();
    }
  }

  int open() {
    return open.get();
  }
}
