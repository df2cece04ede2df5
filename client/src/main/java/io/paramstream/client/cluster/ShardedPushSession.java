package io.paramstream.client.cluster;

import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushResult;
import io.paramstream.client.PushSession;
import io.paramstream.client.RowGradient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Pipelined pushes to a cluster: one {@link PushSession} per shard, opened when a push first needs
 * that shard. Each push is cut per shard as in {@link ShardedClient#push}, with the same
 * consistency (per-shard atomicity only), and its future completes when every shard involved has
 * acknowledged its part.
 *
 * <p>Thread-safe, but pushes from several threads may reach different shards in different orders; a
 * single pushing thread gives every shard the pushes in the same order.
 */
public final class ShardedPushSession implements AutoCloseable {

  private final ShardedClient cluster;
  // Guarded by this.
  private final Map<Integer, PushSession> sessions = new TreeMap<>();
  // Guarded by this.
  private boolean closed;

  ShardedPushSession(ShardedClient cluster) {
    this.cluster = cluster;
  }

  /**
   * Sends one push to every shard it touches (blocking while a shard's push window is full) and
   * returns a future of the versions, keyed by stored name, as {@link ShardedClient#push} does. The
   * future fails with the first shard failure, naming the failed and applied shards.
   *
   * @throws ParamstreamException INVALID_ARGUMENT or NOT_FOUND before anything is sent
   */
  public CompletableFuture<Map<String, Long>> push(Map<String, float[]> gradients) {
    return push(gradients, List.of()).thenApply(ShardedPushResult::versions);
  }

  /**
   * Sends one push of group gradients and table rows, each shard getting its groups' pieces and the
   * rows it holds (with shard-local ids); otherwise as {@link #push(Map)}. The future completes
   * with the groups' and tables' versions once every shard involved has acknowledged its part.
   *
   * @throws ParamstreamException INVALID_ARGUMENT or NOT_FOUND before anything is sent
   */
  public CompletableFuture<ShardedPushResult> push(
      Map<String, float[]> gradients, List<RowGradient> rows) {
    Map<Integer, Map<String, float[]>> groupParts = cluster.split(gradients);
    Map<Integer, List<RowGradient>> rowParts = cluster.splitRows(rows);
    Map<Integer, Part> perShard = new TreeMap<>();
    groupParts.forEach((shard, part) -> perShard.put(shard, new Part(part, List.of())));
    rowParts.forEach(
        (shard, part) ->
            perShard.merge(
                shard, new Part(Map.of(), part), (a, b) -> new Part(a.groups(), b.rows())));
    // Encoding a part is CPU work on the sending thread: send the parts to their shards in
    // parallel rather than one after the other.
    Map<Integer, CompletableFuture<CompletableFuture<PushResult>>> sends = new TreeMap<>();
    for (Map.Entry<Integer, Part> part : perShard.entrySet()) {
      int shard = part.getKey();
      if (perShard.size() == 1) {
        sends.put(shard, CompletableFuture.completedFuture(send(shard, part.getValue())));
      } else {
        sends.put(shard, cluster.supply(() -> send(shard, part.getValue())));
      }
    }
    // Returning only once every part is sent keeps a single pusher's pushes in the same order on
    // every shard, and lets the caller reuse its arrays, as PushSession.push does.
    Map<Integer, CompletableFuture<PushResult>> acks = new TreeMap<>();
    sends.forEach((shard, sent) -> acks.put(shard, sent.join()));
    return CompletableFuture.allOf(acks.values().toArray(CompletableFuture[]::new))
        .handle((ignored, failure) -> cluster.collectPush(acks));
  }

  /** One shard's part of a push. */
  private record Part(Map<String, float[]> groups, List<RowGradient> rows) {}

  private CompletableFuture<PushResult> send(int shard, Part part) {
    try {
      return session(shard).push(part.groups(), part.rows());
    } catch (ParamstreamException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private synchronized PushSession session(int shard) {
    if (closed) {
      throw new ParamstreamException(
          io.paramstream.client.ErrorCode.CANCELLED, "push session is closed");
    }
    return sessions.computeIfAbsent(
        shard, s -> cluster.onShard(s, client -> client.openPushSession()));
  }

  /** Closes every shard's stream, waiting for the acknowledgements already due. Idempotent. */
  @Override
  public void close() {
    List<PushSession> open;
    synchronized (this) {
      closed = true;
      open = new ArrayList<>(sessions.values());
    }
    open.forEach(PushSession::close);
  }
}
