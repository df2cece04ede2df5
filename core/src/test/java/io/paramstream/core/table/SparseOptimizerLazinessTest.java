package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lazy updates: rows a push does not name keep their values and optimizer buffers bit for bit, and
 * Adam's bias correction counts the table's pushes, not the row's (torch SparseAdam).
 */
@Timeout(30)
class SparseOptimizerLazinessTest {

  static final int DIM = 3;
  static final Hyperparameters HP = new Hyperparameters(0.01, 0.1);

  static Optimizer rule(String name) {
    return switch (name) {
      case "MOMENTUM" -> Optimizer.sgd(0.9, 0, true);
      case "ADAM" -> Optimizer.adam(0.9, 0.999, 1e-8);
      default -> Optimizer.adamW(0.9, 0.999, 1e-8);
    };
  }

  static float[] row(RowBlocks blocks, int r) {
    return Arrays.copyOfRange(blocks.block(r), blocks.offset(r), blocks.offset(r) + DIM);
  }

  @ParameterizedTest
  @ValueSource(strings = {"MOMENTUM", "ADAM", "ADAMW"})
  void push_untouchedRows_keepValuesAndMoments(String name) {
    TableStore store = new TableStore();
    KeyedTable table =
        store.createKeyed(
            "t", DIM, true, HP, rule(name), RowInitializer.uniform(1, 9), Long.MAX_VALUE);
    table.push(new long[] {10, 20}, new float[] {1, 2, 3, 4, 5, 6});
    int row10 = table.findRow(10);
    float[] values = row(table.values, row10);
    float[] first = row(table.first, row10);
    float[] second = table.second == null ? null : row(table.second, row10);
    assertThat(first).isNotEqualTo(new float[DIM]);
    for (int step = 0; step < 5; step++) {
      table.push(new long[] {20, 30}, new float[] {1, -1, 1, 2, 2, 2});
    }
    assertThat(row(table.values, row10)).isEqualTo(values);
    assertThat(row(table.first, row10)).isEqualTo(first);
    if (second != null) {
      assertThat(row(table.second, row10)).isEqualTo(second);
    }
    assertThat(table.steps()).isEqualTo(6);
  }

  @Test
  void adam_rowFirstTouchedLate_biasCorrectionUsesTableSteps() {
    TableStore store = new TableStore();
    KeyedTable table =
        store.createKeyed("t", 1, false, HP, rule("ADAM"), RowInitializer.zeros(), Long.MAX_VALUE);
    for (int step = 0; step < 4; step++) {
      table.push(new long[] {1}, new float[] {0.5f});
    }
    table.push(new long[] {2}, new float[] {0.5f});
    // Row 2's first update happens at table step 5: m = 0.1 g, v = 0.001 g^2.
    double g = 0.5;
    double m = 0.1 * g;
    double v = 0.001 * g * g;
    double expected =
        -HP.learningRate()
            / (1 - Math.pow(0.9, 5))
            * m
            / (Math.sqrt(v) / Math.sqrt(1 - Math.pow(0.999, 5)) + 1e-8);
    float[] out = new float[1];
    table.read(new long[] {2}, out);
    assertThat((double) out[0]).isCloseTo(expected, within(1e-7));
    // A per-row count would have given a first step of exactly -lr.
    assertThat((double) out[0]).isNotCloseTo(-HP.learningRate(), within(1e-4));
  }

  @Test
  void momentum_bufferStartsAtZero_firstRowStepIsDampedGradient() {
    TableStore store = new TableStore();
    Hyperparameters hp = new Hyperparameters(0.1, 0);
    KeyedTable table =
        store.createKeyed(
            "t", 1, false, hp, Optimizer.sgd(0.9, 0.5, false), RowInitializer.zeros(), 10);
    table.push(new long[] {1}, new float[] {1});
    table.push(new long[] {2}, new float[] {1});
    float[] out = new float[2];
    table.read(new long[] {1, 2}, out);
    // Both rows: buf = 0.9 * 0 + 0.5 * 1, theta = -0.1 * 0.5.
    assertThat(out).containsExactly(-0.05f, -0.05f);
  }
}
