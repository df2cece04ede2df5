package io.paramstream.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's acknowledgement of an applied push.
 *
 * @param pushId the identifier the client gave the push (increasing per stream)
 * @param versions the new version of every group the push updated, so that a worker can tell which
 *     weights include its gradient
 * @param tableVersions the new version of every table the push updated
 */
public record PushResult(long pushId, Map<String, Long> versions, Map<String, Long> tableVersions) {
  public PushResult {
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    tableVersions = Collections.unmodifiableMap(new LinkedHashMap<>(tableVersions));
  }

  /** The acknowledgement of a push of groups only. */
  public PushResult(long pushId, Map<String, Long> versions) {
    this(pushId, versions, Map.of());
  }
}
