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
 */
public record PushResult(long pushId, Map<String, Long> versions) {
  public PushResult {
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
  }
}
