package io.paramstream.server;

import io.paramstream.core.StoreLimits;
import io.paramstream.core.TransientMemoryBudget;
import java.time.Duration;
import java.util.Objects;

/**
 * Resource bounds past which requests fail with RESOURCE_EXHAUSTED (or wait, where waiting is
 * safe), changing nothing. The inbound message size is bounded separately by {@link
 * ServerConfig#maxInboundMessageBytes()}.
 *
 * @param store most groups and most parameter bytes
 * @param maxStreamsPerConnection most streaming calls (push, pull, watch, create) one client
 *     connection may have open at once
 * @param maxStreams most streaming calls open at once over all connections: bounds what many
 *     connections hold together, which the per-connection bound alone does not
 * @param maxTransientBytes the {@link TransientMemoryBudget}: staged gradients, create buffers and
 *     reader copies together
 * @param streamIdleTimeout how long a push or create stream may sit in the middle of a push (or
 *     create) without a message before it is ended and its memory released
 */
public record LimitsConfig(
    StoreLimits store,
    int maxStreamsPerConnection,
    int maxStreams,
    long maxTransientBytes,
    Duration streamIdleTimeout) {

  /** Long enough for a slow network to deliver the next 1 MiB, short enough to free memory. */
  public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(30);

  public LimitsConfig {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(streamIdleTimeout, "streamIdleTimeout");
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException(
          "max streams per connection must be >= 1, got " + maxStreamsPerConnection);
    }
    if (maxStreams < 1) {
      throw new IllegalArgumentException("max streams must be >= 1, got " + maxStreams);
    }
    if (maxTransientBytes < 1) {
      throw new IllegalArgumentException(
          "max transient bytes must be >= 1, got " + maxTransientBytes);
    }
    if (streamIdleTimeout.isNegative() || streamIdleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "stream idle timeout must be > 0, got " + streamIdleTimeout);
    }
  }

  /** Store and stream limits, with the transient budget and idle timeout defaults. */
  public LimitsConfig(StoreLimits store, int maxStreamsPerConnection, int maxStreams) {
    this(
        store,
        maxStreamsPerConnection,
        maxStreams,
        defaultTransientBytes(),
        DEFAULT_STREAM_IDLE_TIMEOUT);
  }

  /** Bounds per connection only, none server-wide; transient defaults. */
  public LimitsConfig(StoreLimits store, int maxStreamsPerConnection) {
    this(store, maxStreamsPerConnection, Integer.MAX_VALUE);
  }

  /** Per-connection bound, transient budget and idle timeout; no server-wide stream bound. */
  public LimitsConfig(
      StoreLimits store,
      int maxStreamsPerConnection,
      long maxTransientBytes,
      Duration streamIdleTimeout) {
    this(store, maxStreamsPerConnection, Integer.MAX_VALUE, maxTransientBytes, streamIdleTimeout);
  }

  /** No store or stream limits; the transient budget still guards the heap. */
  public static LimitsConfig none() {
    return new LimitsConfig(StoreLimits.NONE, Integer.MAX_VALUE);
  }

  /** A quarter of this JVM's maximum heap. */
  public static long defaultTransientBytes() {
    return TransientMemoryBudget.defaultLimit(Runtime.getRuntime().maxMemory());
  }

  public LimitsConfig withMaxTransientBytes(long bytes) {
    return new LimitsConfig(store, maxStreamsPerConnection, maxStreams, bytes, streamIdleTimeout);
  }

  public LimitsConfig withStreamIdleTimeout(Duration timeout) {
    return new LimitsConfig(store, maxStreamsPerConnection, maxStreams, maxTransientBytes, timeout);
  }
}
