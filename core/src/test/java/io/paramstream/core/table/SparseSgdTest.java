package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Row-sparse plain SGD against a float64 reference, and against the dense kernel bit for bit. */
@Timeout(30)
class SparseSgdTest {

  static final int ROWS = 50;
  static final int DIM = 8;
  static final Hyperparameters HP = new Hyperparameters(0.05, 0.1);

  static long[] allIds(int rows) {
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = i;
    }
    return ids;
  }

  static float[] readAll(SparseTable table, long[] ids) {
    float[] out = new float[ids.length * table.dim()];
    table.read(ids, out);
    return out;
  }

  static float[] randomGradient(SplittableRandom random, int rows, int dim) {
    float[] g = new float[rows * dim];
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return g;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void push_indexedTable_matchesFloat64ReferenceOnTouchedRowsOnly(boolean decay) {
    TableStore store = new TableStore();
    SparseTable table =
        store.createIndexed(
            "emb", ROWS, DIM, decay, HP, Optimizer.sgd(), RowInitializer.uniform(0.5, 42));
    long[] all = allIds(ROWS);
    float[] before = readAll(table, all);
    double[] reference = new double[before.length];
    for (int i = 0; i < before.length; i++) {
      reference[i] = before[i];
    }
    SplittableRandom random = new SplittableRandom(7);
    boolean[] touched = new boolean[ROWS];
    for (int step = 0; step < 20; step++) {
      long[] ids = {random.nextInt(ROWS), random.nextInt(ROWS), random.nextInt(ROWS)};
      float[] g = randomGradient(random, ids.length, DIM);
      table.push(ids, g);
      double[] summed = new double[ROWS * DIM];
      boolean[] now = new boolean[ROWS];
      for (int k = 0; k < ids.length; k++) {
        now[(int) ids[k]] = true;
        touched[(int) ids[k]] = true;
        for (int j = 0; j < DIM; j++) {
          summed[(int) ids[k] * DIM + j] += g[k * DIM + j];
        }
      }
      double wd = decay ? HP.weightDecay() : 0;
      for (int r = 0; r < ROWS; r++) {
        if (now[r]) {
          for (int j = 0; j < DIM; j++) {
            int i = r * DIM + j;
            reference[i] =
                reference[i] * (1 - HP.learningRate() * wd) - HP.learningRate() * summed[i];
          }
        }
      }
    }
    float[] after = readAll(table, all);
    assertThat(table.version()).isEqualTo(20);
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < DIM; j++) {
        int i = r * DIM + j;
        if (touched[r]) {
          assertThat((double) after[i])
              .as("row %d element %d", r, j)
              .isCloseTo(reference[i], within(1e-5 * Math.max(1, Math.abs(reference[i]))));
        } else {
          assertThat(Float.floatToRawIntBits(after[i]))
              .as("untouched row %d element %d", r, j)
              .isEqualTo(Float.floatToRawIntBits(before[i]));
        }
      }
    }
    assertThat(touched).contains(false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"SGD", "MOMENTUM", "NESTEROV", "ADAM", "ADAMW"})
  void push_everyRowEveryStep_equalsDenseGroupBitForBit(String rule) {
    Optimizer optimizer =
        switch (rule) {
          case "SGD" -> Optimizer.sgd();
          case "MOMENTUM" -> Optimizer.sgd(0.9, 0, false);
          case "NESTEROV" -> Optimizer.sgd(0.9, 0, true);
          case "ADAM" -> Optimizer.adam(0.9, 0.999, 1e-8);
          default -> Optimizer.adamW(0.9, 0.999, 1e-8);
        };
    int rows = 3;
    TableStore tables = new TableStore();
    SparseTable table =
        tables.createIndexed("t", rows, DIM, true, HP, optimizer, RowInitializer.normal(1, 3));
    long[] all = allIds(rows);
    GroupStore groups = new GroupStore(HP);
    groups.create("g", readAll(table, all), true, HP, optimizer);
    SplittableRandom random = new SplittableRandom(11);
    for (int step = 0; step < 10; step++) {
      float[] g = randomGradient(random, rows, DIM);
      table.push(all, g);
      groups.push(List.of(new GroupGradient("g", g)));
    }
    float[] dense = groups.snapshot(List.of("g")).get("g");
    assertThat(readAll(table, all)).isEqualTo(dense);
  }

  @Test
  void push_duplicateIds_summedBeforeTheStep() {
    TableStore store = new TableStore();
    Optimizer adam = Optimizer.adam(0.9, 0.999, 1e-8);
    SparseTable dup = store.createKeyed("dup", DIM, true, HP, adam, RowInitializer.zeros(), 100);
    SparseTable once = store.createKeyed("once", DIM, true, HP, adam, RowInitializer.zeros(), 100);
    SplittableRandom random = new SplittableRandom(5);
    float[] g = randomGradient(random, 3, DIM);
    float[] summed = new float[2 * DIM];
    for (int j = 0; j < DIM; j++) {
      summed[j] = g[j] + g[2 * DIM + j];
      summed[DIM + j] = g[DIM + j];
    }
    dup.push(new long[] {9, 4, 9}, g);
    once.push(new long[] {9, 4}, summed);
    long[] ids = {9, 4};
    assertThat(readAll(dup, ids)).isEqualTo(readAll(once, ids));
    assertThat(dup.rowCount()).isEqualTo(2);
    assertThat(dup.version()).isEqualTo(1);
  }
}
