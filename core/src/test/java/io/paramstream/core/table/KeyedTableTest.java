package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Keyed rows: created once, deterministic initial values, growth that loses nothing. */
@Timeout(30)
class KeyedTableTest {

  static final Hyperparameters LR_ONE = new Hyperparameters(1.0, 0);

  static KeyedTable table(int dim, RowInitializer init) {
    return new TableStore()
        .createKeyed("k", dim, false, LR_ONE, Optimizer.sgd(), init, Long.MAX_VALUE);
  }

  @Test
  void read_unknownId_returnsInitializerValueWithoutCreatingRow() {
    KeyedTable table = table(5, RowInitializer.normal(0.1, 77));
    float[] out = new float[5];
    table.read(new long[] {123}, out);
    float[] expected = new float[5];
    RowInitializer.normal(0.1, 77).fill(123, expected, 0, 5);
    assertThat(out).isEqualTo(expected).isNotEqualTo(new float[5]);
    assertThat(table.rowCount()).isZero();
    table.push(new long[] {123}, new float[5]);
    float[] afterCreate = new float[5];
    table.read(new long[] {123}, afterCreate);
    assertThat(afterCreate).isEqualTo(expected);
    assertThat(table.rowCount()).isEqualTo(1);
  }

  @Test
  void initializer_valueDependsOnlyOnSeedAndId() {
    KeyedTable forward = table(4, RowInitializer.uniform(0.5, 3));
    KeyedTable backward = table(4, RowInitializer.uniform(0.5, 3));
    long[] ids = {1, 2, 3, 1L << 50, -9};
    long[] reversed = {-9, 1L << 50, 3, 2, 1};
    for (long id : ids) {
      forward.push(new long[] {id}, new float[4]);
    }
    backward.push(reversed, new float[4 * reversed.length]);
    float[] a = new float[ids.length * 4];
    float[] b = new float[ids.length * 4];
    forward.read(ids, a);
    backward.read(ids, b);
    assertThat(a).isEqualTo(b);
    for (float v : a) {
      assertThat(v).isBetween(-0.5f, 0.5f);
    }
    float[] otherSeed = new float[4];
    RowInitializer.uniform(0.5, 4).fill(1, otherSeed, 0, 4);
    assertThat(otherSeed).isNotEqualTo(java.util.Arrays.copyOf(a, 4));
  }

  @Test
  void initializer_normal_hasRequestedSpread() {
    RowInitializer init = RowInitializer.normal(2.0, 1);
    int n = 20_000;
    float[] values = new float[n];
    init.fill(5, values, 0, n);
    double sum = 0;
    double squares = 0;
    for (float v : values) {
      sum += v;
      squares += v * v;
    }
    double mean = sum / n;
    assertThat(mean).isBetween(-0.06, 0.06);
    assertThat(Math.sqrt(squares / n - mean * mean)).isBetween(1.94, 2.06);
  }

  @Test
  void push_manyNewIds_growthKeepsEveryRow() {
    KeyedTable table = table(2, RowInitializer.zeros());
    int n = 100_000;
    SplittableRandom random = new SplittableRandom(1);
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      // Low bits equal on purpose, high bits random: a poor hash would pile these up.
      ids[i] = (random.nextLong() << 20) | 7;
    }
    Map<Long, Integer> firstIndex = new HashMap<>();
    for (int from = 0; from < n; from += 1000) {
      long[] batch = java.util.Arrays.copyOfRange(ids, from, from + 1000);
      float[] g = new float[2 * batch.length];
      for (int i = 0; i < batch.length; i++) {
        firstIndex.putIfAbsent(batch[i], from + i);
        g[2 * i] = -(from + i);
        g[2 * i + 1] = 1;
      }
      table.push(batch, g);
    }
    assertThat(table.rowCount()).isEqualTo(firstIndex.size());
    float[] out = new float[2 * n];
    table.read(ids, out);
    for (int i = 0; i < n; i++) {
      assertThat(out[2 * i]).as("id %d", ids[i]).isEqualTo((float) firstIndex.get(ids[i]));
      assertThat(out[2 * i + 1]).isEqualTo(-1f);
    }
  }

  @Test
  void index_adversarialKeys_allFoundAtTheirNumbers() {
    IdIndex index = new IdIndex(1);
    long[] keys = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 2L << 32, 3L << 32, 1L << 63};
    for (int i = 0; i < keys.length; i++) {
      assertThat(index.addIfAbsent(keys[i])).isEqualTo(i == 7 ? 2 : -1);
    }
    for (int i = 0; i < 1000; i++) {
      index.addIfAbsent((long) i << 40); // 0 is there already: 999 new ids, numbers 7 to 1005
    }
    assertThat(index.size()).isEqualTo(7 + 999);
    assertThat(index.get(Long.MIN_VALUE)).isEqualTo(2);
    assertThat(index.get(-1)).isEqualTo(1);
    assertThat(index.get(0)).isEqualTo(0);
    assertThat(index.get(999L << 40)).isEqualTo(1005);
    assertThat(index.id(1005)).isEqualTo(999L << 40);
    assertThat(index.get(12345)).isEqualTo(-1);
    index.clear();
    assertThat(index.get(0)).isEqualTo(-1);
    assertThat(index.size()).isZero();
    assertThat(index.addIfAbsent(42)).isEqualTo(-1);
    assertThat(index.get(42)).isZero();
  }

  @Test
  void push_concurrentFirstTouchesFrom8Threads_eachRowCreatedOnce() throws Exception {
    KeyedTable table = table(2, RowInitializer.uniform(1, 5));
    int threads = 8;
    int ids = 2000;
    int rounds = 5;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  // Every thread touches every id, in its own order, in small pushes.
                  for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < ids; i += 10) {
                      long[] batch = new long[10];
                      for (int b = 0; b < 10; b++) {
                        batch[b] = ((i + b) * 7919L + thread * 131L) % ids;
                      }
                      table.push(
                          batch,
                          new float[] {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(table.rowCount()).isEqualTo(ids);
    assertThat(table.version()).isEqualTo((long) threads * rounds * ids / 10);
    long[] all = SparseSgdTest.allIds(ids);
    float[] out = new float[2 * ids];
    table.read(all, out);
    float[] init = new float[2];
    for (int i = 0; i < ids; i++) {
      RowInitializer.uniform(1, 5).fill(i, init, 0, 2);
      // Created once from the initializer, then 40 steps of -1 each: a second creation would
      // have reset the row and lost steps.
      float expected = init[0];
      for (int s = 0; s < threads * rounds; s++) {
        expected -= 1;
      }
      assertThat(out[2 * i]).as("id %d", i).isEqualTo(expected);
      assertThat(out[2 * i + 1]).isEqualTo(init[1]);
    }
  }
}
