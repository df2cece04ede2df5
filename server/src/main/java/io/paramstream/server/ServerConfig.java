package io.paramstream.server;

import io.paramstream.core.Hyperparameters;
import java.time.Duration;
import java.util.Objects;

/**
 * How a server behaves, independent of where it listens.
 *
 * @param defaultHyperparameters given to groups created without any
 * @param maxInboundMessageBytes largest message accepted; larger ones fail with RESOURCE_EXHAUSTED
 * @param maxChunkBytes largest values payload put in one outbound GroupChunk
 * @param shutdownGrace how long a graceful shutdown waits for open calls before cancelling them
 */
public record ServerConfig(
    Hyperparameters defaultHyperparameters,
    int maxInboundMessageBytes,
    int maxChunkBytes,
    Duration shutdownGrace) {

  /** gRPC's own default inbound limit, 4 MiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 4 * 1024 * 1024;

  /** 1 MiB chunks stay far below the inbound limit and keep grpc-java on its fast parsing path. */
  public static final int DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024;

  /** Largest chunk payload: 4 MiB (clients' default inbound limit) minus 64 KiB for headers. */
  public static final int MAX_CHUNK_BYTES = 4 * 1024 * 1024 - 64 * 1024;

  public ServerConfig {
    Objects.requireNonNull(defaultHyperparameters, "defaultHyperparameters");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (maxInboundMessageBytes < 1024) {
      throw new IllegalArgumentException(
          "max inbound message bytes must be >= 1024, got " + maxInboundMessageBytes);
    }
    // Every gRPC client refuses inbound messages over 4 MiB by default; leave room for headers.
    if (maxChunkBytes < 4 || maxChunkBytes % 4 != 0 || maxChunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "max chunk bytes must be a multiple of 4 between 4 and "
              + MAX_CHUNK_BYTES
              + ", got "
              + maxChunkBytes);
    }
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdown grace must be >= 0, got " + shutdownGrace);
    }
  }

  /** lr 0.01, no weight decay, 4 MiB messages, 1 MiB chunks, 10 s grace. */
  public static ServerConfig defaults() {
    return new ServerConfig(
        new Hyperparameters(0.01, 0.0),
        DEFAULT_MAX_INBOUND_MESSAGE_BYTES,
        DEFAULT_MAX_CHUNK_BYTES,
        Duration.ofSeconds(10));
  }

  public ServerConfig withDefaultHyperparameters(Hyperparameters hyperparameters) {
    return new ServerConfig(hyperparameters, maxInboundMessageBytes, maxChunkBytes, shutdownGrace);
  }

  public ServerConfig withMaxInboundMessageBytes(int bytes) {
    return new ServerConfig(defaultHyperparameters, bytes, maxChunkBytes, shutdownGrace);
  }

  public ServerConfig withMaxChunkBytes(int bytes) {
    return new ServerConfig(defaultHyperparameters, maxInboundMessageBytes, bytes, shutdownGrace);
  }

  public ServerConfig withShutdownGrace(Duration grace) {
    return new ServerConfig(defaultHyperparameters, maxInboundMessageBytes, maxChunkBytes, grace);
  }
}
