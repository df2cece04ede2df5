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
 */
public record LimitsConfig(StoreLimits store, int maxStreamsPerConnection) {

  public LimitsConfig {
    Objects.requireNonNull(store, "store");
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException(
          "max streams per connection must be >= 1, got " + maxStreamsPerConnection);
    }
  }

  public static LimitsConfig none() {
    return new LimitsConfig(StoreLimits.NONE, Integer.MAX_VALUE);
  }
}
