package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.CheckpointCut;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.StoreState;
import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.SparseTable;
import io.paramstream.core.table.TableSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Checkpoints taken while 4 workers push mixed pushes (a group, an indexed and a keyed table of
 * their own, and rows of one shared keyed table): every file must be exactly the state some prefix
 * of each worker's pushes produces, with every push wholly in or out and the de-duplication table
 * matching, keyed rows created after the cut left out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TableCutConsistencyTest {

  private static final int WORKERS = 4;
  private static final int DIM = 4;
  private static final Hyperparameters HP = new Hyperparameters(0.01, 0.001);
  private static final Optimizer[] OPTIMIZERS = {
    Optimizer.sgd(),
    Optimizer.sgd(0.9, 0, true),
    Optimizer.adam(0.9, 0.999, 1e-8),
    Optimizer.adamW(0.8, 0.99, 1e-6)
  };

  private static GroupStore newStore() {
    GroupStore store = new GroupStore(HP);
    for (int w = 0; w < WORKERS; w++) {
      Optimizer optimizer = OPTIMIZERS[w];
      store.create("g" + w, new float[16], true, null, optimizer);
      store
          .tables()
          .createIndexed(
              new TableSpec(
                  "items" + w, DIM, true, null, optimizer, RowInitializer.uniform(0.1, w)),
              32,
              0,
              1);
      store
          .tables()
          .createKeyed(
              new TableSpec(
                  "users" + w, DIM, false, null, optimizer, RowInitializer.normal(0.1, w)),
              100_000);
    }
    // Plain SGD on rows no two workers share: its rows do not depend on how pushes interleave.
    store
        .tables()
        .createKeyed(
            new TableSpec("shared", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
            Long.MAX_VALUE);
    return store;
  }

  /** Worker {@code w}'s push number {@code s}: the same numbers every time. */
  private static void push(GroupStore store, int w, long s) {
    float[] dense = new float[16];
    Arrays.fill(dense, (float) Math.sin(s + w));
    long[] items = {s % 32, (s * 7 + w) % 32};
    long[] users = {s % 5, 1000 + s}; // one old row, one new one
    long[] shared = {w * 1_000_000L + s % 3};
    store.push(
        "w" + w,
        s,
        List.of(new GroupGradient("g" + w, dense)),
        List.of(
            new RowGradient("items" + w, items, rows(items.length, s + w)),
            new RowGradient("users" + w, users, rows(users.length, s - w)),
            new RowGradient("shared", shared, rows(1, s * w))));
  }

  private static float[] rows(int count, long seed) {
    float[] g = new float[count * DIM];
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) Math.cos(seed * 0.37 + i);
    }
    return g;
  }

  private static final class Pusher extends Thread {
    final GroupStore store;
    final int worker;
    final AtomicLong acked = new AtomicLong();
    final AtomicBoolean stop = new AtomicBoolean();

    Pusher(GroupStore store, int worker) {
      this.store = store;
      this.worker = worker;
    }

    @Override
    public void run() {
      try {
        for (long s = 1; !stop.get(); s++) {
          push(store, worker, s);
          acked.set(s);
          if (s % 8 == 0) {
            Thread.sleep(1); // keeps the replay that checks each file short
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void checkpoint_whileFourWorkersPushMixedPushes_isExactlyAPrefixState() throws Exception {
    GroupStore store = newStore();
    List<Pusher> pushers = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      pushers.add(new Pusher(store, w));
    }
    pushers.forEach(Thread::start);
    GroupStore replay = newStore();
    long[] replayed = new long[WORKERS];
    try {
      for (int round = 0; round < 12; round++) {
        Thread.sleep(5);
        long[] before = pushers.stream().mapToLong(p -> p.acked.get()).toArray();
        byte[] file;
        try (CheckpointCut cut = store.beginCheckpoint()) {
          file = CheckpointCutConsistencyTest.write(cut);
        }
        long[] after = pushers.stream().mapToLong(p -> p.acked.get()).toArray();
        GroupStore restored = TableCheckpointRoundTripTest.restore(file);
        StoreState state = CheckpointCutConsistencyTest.read(file);

        long sharedVersion = 0;
        for (int w = 0; w < WORKERS; w++) {
          long s = state.lastSequences().getOrDefault("w" + w, 0L);
          assertThat(s).as("worker %d's sequence", w).isBetween(before[w], after[w] + 1);
          for (; replayed[w] < s; replayed[w]++) {
            push(replay, w, replayed[w] + 1);
          }
          sharedVersion += s;
          assertThat(restored.tables().list(List.of("items" + w, "users" + w)))
              .allSatisfy(t -> assertThat(t.version()).isEqualTo(s));
          for (String table : List.of("items" + w, "users" + w)) {
            assertThat(TableCheckpointRoundTripTest.tableBytes(restored, table))
                .as("table %s after %d pushes", table, s)
                .isEqualTo(TableCheckpointRoundTripTest.tableBytes(replay, table));
          }
          assertThat(restored.snapshot(List.of("g" + w)))
              .containsExactlyEntriesOf(replay.snapshot(List.of("g" + w)));
          long[] ids = {w * 1_000_000L, w * 1_000_000L + 1, w * 1_000_000L + 2};
          assertThat(sharedRows(restored, ids)).isEqualTo(sharedRows(replay, ids));
        }
        SparseTable shared = restored.tables().store().table("shared");
        assertThat(shared.version()).isEqualTo(sharedVersion);
        assertThat(shared.rowCount()).isEqualTo(replay.tables().store().table("shared").rowCount());
      }
    } finally {
      pushers.forEach(p -> p.stop.set(true));
      for (Pusher pusher : pushers) {
        pusher.join();
      }
    }
    assertThat(pushers).allSatisfy(p -> assertThat(p.acked.get()).isGreaterThan(12));
  }

  private static float[] sharedRows(GroupStore store, long[] ids) {
    return store.tables().read(List.of(new RowSelection("shared", ids, -1))).get(0).values();
  }
}
