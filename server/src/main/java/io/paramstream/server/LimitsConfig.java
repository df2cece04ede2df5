package io.paramstream.server;

import io.paramstream.core.StoreLimits;
import java.util.Objects;

/**
 * Resource bounds past which requests fail with RESOURCE_EXHAUSTED, changing nothing. The inbound
 * message size is bounded separately by {@link ServerConfig#maxInboundMessageBytes()}.
 *
 * @param store most groups and most parameter bytes
 * @param maxStreamsPerConnection most streaming calls (push, pull, watch, create) one client
 *     connection may have open at once
 * @param maxStreams most streaming calls open at once over all connections: bounds what many
 *     connections hold together, which the per-connection bound alone does not
 */
public record LimitsConfig(StoreLimits store, int maxStreamsPerConnection, int maxStreams) {

  public LimitsConfig {
    Objects.requireNonNull(store, "store");
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException(
          "max streams per connection must be >= 1, got " + maxStreamsPerConnection);
    }
    if (maxStreams < 1) {
      throw new IllegalArgumentException("max streams must be >= 1, got " + maxStreams);
    }
  }

  /** Bounds per connection only, none server-wide. */
  public LimitsConfig(StoreLimits store, int maxStreamsPerConnection) {
    this(store, maxStreamsPerConnection, Integer.MAX_VALUE);
  }

  public static LimitsConfig none() {
    return new LimitsConfig(StoreLimits.NONE, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }
}
