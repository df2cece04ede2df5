package io.paramstream.server;

import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * WARN lines about what clients did wrong, at most one per peer (host, not connection) per window,
 * each saying how many were suppressed since the last. A client sending garbage in a loop then
 * costs the log one line per window instead of one per message.
 */
final class PeerWarnings {

  /** Past this many remembered peers, peers quiet for a whole window are forgotten. */
  private static final int PRUNE_ABOVE = 1024;

  private final Logger log;
  private final long windowNanos;
  private final LongSupplier nanoTime;

  /** Per peer host: when its last line was written, and lines suppressed since. */
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  private record Window(long startNanos, int suppressed) {}

  PeerWarnings(Logger log, Duration window, LongSupplier nanoTime) {
    this.log = log;
    this.windowNanos = window.toNanos();
    this.nanoTime = nanoTime;
  }

  /** One line per peer per 10 s. */
  PeerWarnings(Logger log) {
    this(log, Duration.ofSeconds(10), System::nanoTime);
  }

  /**
   * Logs {@code "<peer> <method>: <message>"} unless this peer already had a line in the current
   * window, in which case it only counts.
   */
  void warn(ServerCall<?, ?> call, String message) {
    warn(peer(call), call.getMethodDescriptor().getFullMethodName(), message);
  }

  void warn(String peer, String method, String message) {
    long now = nanoTime.getAsLong();
    int[] suppressedBefore = {-1};
    windows.compute(
        host(peer),
        (host, window) -> {
          if (window == null || now - window.startNanos() >= windowNanos) {
            suppressedBefore[0] = window == null ? 0 : window.suppressed();
            return new Window(now, 0);
          }
          return new Window(window.startNanos(), window.suppressed() + 1);
        });
    if (suppressedBefore[0] < 0) {
      return;
    }
    if (suppressedBefore[0] > 0) {
      log.warn(
          "{} {}: {} ({} more from this peer suppressed)",
          peer,
          method,
          message,
          suppressedBefore[0]);
    } else {
      log.warn("{} {}: {}", peer, method, message);
    }
    if (windows.size() > PRUNE_ABOVE) {
      windows.values().removeIf(window -> now - window.startNanos() >= windowNanos);
    }
  }

  /** The remote address of {@code call}, e.g. {@code 127.0.0.1:53122}. */
  static String peer(ServerCall<?, ?> call) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (address instanceof InetSocketAddress inet) {
      return inet.getAddress() == null
          ? inet.getHostString() + ":" + inet.getPort()
          : inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }

  /** The peer without its port: a client reconnecting gets a new port but the same budget. */
  private static String host(String peer) {
    int colon = peer.lastIndexOf(':');
    return colon > 0 ? peer.substring(0, colon) : peer;
  }
}
