package io.paramstream.client.cluster;

import io.paramstream.client.GroupValues;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.WatchSubscription;
import io.paramstream.client.cluster.ShardedClient.Layout;
import io.paramstream.client.cluster.ShardedClient.Piece;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A watch over groups on several shards: one {@link WatchSubscription} per shard, whose updates are
 * reassembled into whole groups. Close it to end every shard's watch.
 *
 * <p>Consistency: each shard is an independent server, so what one shard sends is consistent (its
 * groups arrive in sets of one applied state of that shard) but nothing orders shards against each
 * other. Groups on different shards, and the ranges of one split group, may be seen at versions of
 * different moments; a split group is delivered once every range has arrived, labelled with the
 * oldest range's version. Use groups on one shard, or a single server, when groups pushed together
 * must be seen together.
 */
public final class ShardedWatch implements AutoCloseable {

  private final List<WatchSubscription> subscriptions = new ArrayList<>();
  private final AtomicBoolean done = new AtomicBoolean();
  private final Consumer<ParamstreamException> onError;

  /** Latest values of one group as its pieces arrive. */
  private static final class Assembly {
    final Layout layout;
    final float[] values;
    // Guarded by this. Version of each piece seen so far, by stored name.
    final Map<String, Long> versions = new HashMap<>();

    Assembly(Layout layout) {
      this.layout = layout;
      this.values = new float[layout.size()];
    }
  }

  private ShardedWatch(Consumer<ParamstreamException> onError) {
    this.onError = onError;
  }

  static ShardedWatch open(
      ShardedClient cluster,
      Collection<Layout> layouts,
      Consumer<GroupValues> onUpdate,
      Consumer<ParamstreamException> onError) {
    ShardedWatch watch = new ShardedWatch(onError);
    Map<String, Assembly> byStoredName = new HashMap<>();
    Map<String, Piece> pieces = new HashMap<>();
    Map<Integer, List<String>> byShard = new TreeMap<>();
    for (Layout layout : layouts) {
      Assembly assembly = new Assembly(layout);
      for (Piece piece : layout.pieces()) {
        byStoredName.put(piece.storedName(), assembly);
        pieces.put(piece.storedName(), piece);
        byShard.computeIfAbsent(piece.shard(), s -> new ArrayList<>()).add(piece.storedName());
      }
    }
    Consumer<GroupValues> onPiece =
        part -> {
          Assembly assembly = byStoredName.get(part.name());
          Piece piece = pieces.get(part.name());
          if (assembly == null || part.values().length != piece.length()) {
            return;
          }
          GroupValues whole;
          synchronized (assembly) {
            System.arraycopy(part.values(), 0, assembly.values, piece.start(), piece.length());
            assembly.versions.put(part.name(), part.version());
            if (assembly.versions.size() < assembly.layout.pieces().size()) {
              return;
            }
            long version = assembly.versions.values().stream().mapToLong(v -> v).min().orElse(0);
            whole = new GroupValues(assembly.layout.name(), version, assembly.values.clone());
          }
          if (!watch.done.get()) {
            onUpdate.accept(whole);
          }
        };
    try {
      for (Map.Entry<Integer, List<String>> entry : byShard.entrySet()) {
        WatchSubscription subscription =
            cluster.watchShard(entry.getKey(), entry.getValue(), onPiece, watch::fail);
        synchronized (watch.subscriptions) {
          watch.subscriptions.add(subscription);
        }
      }
    } catch (ParamstreamException e) {
      watch.close();
      throw e;
    }
    return watch;
  }

  private void fail(ParamstreamException e) {
    if (done.compareAndSet(false, true)) {
      closeAll();
      onError.accept(e);
    }
  }

  /** True once the watch ended, by {@link #close()} or by a shard's failure. */
  public boolean isDone() {
    return done.get();
  }

  /** Ends every shard's watch; {@code onError} is not called. Idempotent. */
  @Override
  public void close() {
    done.set(true);
    closeAll();
  }

  private void closeAll() {
    List<WatchSubscription> all;
    synchronized (subscriptions) {
      all = new ArrayList<>(subscriptions);
    }
    all.forEach(WatchSubscription::close);
  }
}
