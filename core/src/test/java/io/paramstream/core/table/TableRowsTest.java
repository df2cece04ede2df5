package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rows across storage blocks, consistent reads under pushes, and pull-if-newer. */
@Timeout(30)
class TableRowsTest {

  static final Hyperparameters LR_ONE = new Hyperparameters(1.0, 0);

  @Test
  void rowsInSeveralBlocks_eachRowUpdatedAndReadAlone() {
    // Rows wider than half a block: two rows per block, so 5 rows span 3 blocks.
    int dim = RowBlocks.TARGET_BLOCK_FLOATS / 3;
    TableStore store = new TableStore();
    SparseTable indexed =
        store.createIndexed("i", 5, dim, false, LR_ONE, Optimizer.sgd(), RowInitializer.zeros());
    SparseTable keyed =
        store.createKeyed("k", dim, false, LR_ONE, Optimizer.sgd(), RowInitializer.zeros(), 10);
    for (SparseTable table : new SparseTable[] {indexed, keyed}) {
      for (int r = 4; r >= 0; r--) {
        float[] g = new float[dim];
        Arrays.fill(g, -(r + 1));
        table.push(new long[] {r}, g);
      }
      float[] out = new float[5 * dim];
      table.read(SparseSgdTest.allIds(5), out);
      for (int r = 0; r < 5; r++) {
        assertThat(out[r * dim]).as("%s row %d first", table.name(), r).isEqualTo(r + 1f);
        assertThat(out[r * dim + dim - 1]).as("%s row %d last", table.name(), r).isEqualTo(r + 1f);
      }
    }
    assertThat(keyed.rowCount()).isEqualTo(5);
  }

  @Test
  void read_duringPushes_neverSeesPartOfAPush() throws Exception {
    int rows = 64;
    int dim = 16;
    SparseTable table =
        new TableStore()
            .createIndexed("t", rows, dim, false, LR_ONE, Optimizer.sgd(), RowInitializer.zeros());
    long[] ids = SparseSgdTest.allIds(rows);
    float[] ones = new float[rows * dim];
    Arrays.fill(ones, -1);
    AtomicBoolean stop = new AtomicBoolean();
    Thread pusher =
        new Thread(
            () -> {
              while (!stop.get()) {
                table.push(ids, ones);
              }
            });
    pusher.start();
    try {
      float[] out = new float[rows * dim];
      for (int i = 0; i < 2000; i++) {
        long version = table.read(ids, out);
        // Every push adds 1 to every element: a whole read holds the version in every element.
        for (float v : out) {
          assertThat(v).isEqualTo((float) version);
        }
      }
    } finally {
      stop.set(true);
      pusher.join();
    }
  }

  @Test
  void readIfNewer_atKnownVersion_leavesOutputUntouched() {
    SparseTable table =
        new TableStore()
            .createKeyed("t", 2, false, LR_ONE, Optimizer.sgd(), RowInitializer.zeros(), 10);
    table.push(new long[] {1}, new float[] {1, 1});
    float[] out = {7, 7};
    assertThat(table.readIfNewer(new long[] {1}, out, 1)).isEqualTo(1);
    assertThat(out).containsExactly(7, 7);
    assertThat(table.readIfNewer(new long[] {1}, out, 0)).isEqualTo(1);
    assertThat(out).containsExactly(-1, -1);
  }
}
