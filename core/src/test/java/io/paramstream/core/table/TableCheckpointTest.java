package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.checkpoint.CorruptCheckpointException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A table written and read back is the same table, bit for bit, and keeps updating the same. */
@Timeout(30)
class TableCheckpointTest {

  static final int DIM = 6;

  static byte[] write(SparseTable table) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TableCheckpoint.write(table, out);
    return out.toByteArray();
  }

  static SparseTable trained(boolean keyed, Optimizer optimizer) {
    TableStore store = new TableStore();
    Hyperparameters hp = new Hyperparameters(0.03, 0.2);
    SparseTable table =
        keyed
            ? store.createKeyed("t", DIM, true, hp, optimizer, RowInitializer.normal(0.3, 8), 1000)
            : store.createIndexed("t", 40, DIM, true, hp, optimizer, RowInitializer.uniform(1, 8));
    SplittableRandom random = new SplittableRandom(3);
    for (int step = 0; step < 30; step++) {
      long[] ids = {random.nextInt(40), random.nextInt(40), random.nextInt(40)};
      table.push(ids, SparseSgdTest.randomGradient(random, 3, DIM));
    }
    return table;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void roundTrip_isBitIdenticalAndKeepsUpdatingTheSame(boolean keyed) throws IOException {
    for (Optimizer optimizer :
        new Optimizer[] {
          Optimizer.sgd(), Optimizer.sgd(0.9, 0, true), Optimizer.adamW(0.9, 0.99, 1e-6)
        }) {
      SparseTable original = trained(keyed, optimizer);
      byte[] bytes = write(original);
      TableStore other = new TableStore();
      SparseTable restored = other.restore(new ByteArrayInputStream(bytes));
      assertThat(other.table("t")).isSameAs(restored);
      assertThat(write(restored)).isEqualTo(bytes);
      assertThat(restored).isInstanceOf(original.getClass());
      assertThat(restored.version()).isEqualTo(original.version());
      assertThat(restored.rowCount()).isEqualTo(original.rowCount());

      long[] ids = SparseSgdTest.allIds(40);
      float[] g = SparseSgdTest.randomGradient(new SplittableRandom(4), 40, DIM);
      original.push(ids, g);
      restored.push(ids, g);
      float[] a = SparseSgdTest.readAll(original, ids);
      float[] b = SparseSgdTest.readAll(restored, ids);
      assertThat(b).isEqualTo(a);
      assertThat(write(restored)).isEqualTo(write(original));
    }
  }

  @Test
  void restore_twoTablesInOneStream_eachReadsExactlyItsBytes() throws IOException {
    TableStore store = new TableStore();
    Hyperparameters hp = new Hyperparameters(0.1, 0);
    SparseTable a =
        store.createKeyed("a", 2, false, hp, Optimizer.sgd(), RowInitializer.uniform(1, 1), 10);
    SparseTable b =
        store.createIndexed("b", 3, 1, false, hp, Optimizer.sgd(), RowInitializer.uniform(1, 2));
    a.push(new long[] {42}, new float[] {1, 2});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TableCheckpoint.write(a, out);
    TableCheckpoint.write(b, out);
    TableStore other = new TableStore();
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    other.restore(in);
    other.restore(in);
    assertThat(in.available()).isZero();
    assertThat(write(other.table("a"))).isEqualTo(write(a));
    assertThat(write(other.table("b"))).isEqualTo(write(b));
  }

  @Test
  void read_flippedByte_refused() throws IOException {
    byte[] bytes = write(trained(true, Optimizer.adam(0.9, 0.999, 1e-8)));
    bytes[bytes.length / 2] ^= 1;
    TableStore store = new TableStore();
    assertThatThrownBy(() -> store.restore(new ByteArrayInputStream(bytes)))
        .isInstanceOf(CorruptCheckpointException.class);
    assertThat(store.names()).isEmpty();
  }
}
