package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.GroupStoreException;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every bad push is refused with a message naming the table and the culprit, changing nothing. */
@Timeout(30)
class SparsePushValidationTest {

  static final int DIM = 4;
  static final long[] KEYS = {5, -3, 1L << 40};

  TableStore store;
  IndexedTable indexed;
  KeyedTable keyed;

  @BeforeEach
  void setUp() {
    store = new TableStore();
    Hyperparameters hp = new Hyperparameters(0.1, 0.01);
    Optimizer adam = Optimizer.adam(0.9, 0.999, 1e-8);
    indexed = store.createIndexed("items", 10, DIM, true, hp, adam, RowInitializer.uniform(1, 1));
    keyed = store.createKeyed("users", DIM, true, hp, adam, RowInitializer.normal(1, 2), 4);
    indexed.push(new long[] {1, 2}, filled(2, 0.5f));
    keyed.push(KEYS, filled(3, 0.25f));
  }

  static float[] filled(int rows, float value) {
    float[] g = new float[rows * DIM];
    java.util.Arrays.fill(g, value);
    return g;
  }

  /**
   * Everything observable: values of all indexed rows and the known keyed rows, versions, sizes.
   */
  private String state() {
    float[] a = new float[10 * DIM];
    indexed.read(SparseSgdTest.allIds(10), a);
    float[] b = new float[KEYS.length * DIM];
    keyed.read(KEYS, b);
    return java.util.Arrays.toString(a)
        + java.util.Arrays.toString(b)
        + java.util.Arrays.toString(indexed.first.block(0))
        + indexed.version()
        + "/"
        + keyed.version()
        + "/"
        + keyed.rowCount()
        + "/"
        + keyed.steps();
  }

  private void assertRefusedUnchanged(
      ThrowingCallable push, Class<? extends Throwable> type, String... fragments) {
    String before = state();
    assertThatThrownBy(push).isInstanceOf(type).hasMessageContainingAll(fragments);
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void push_indexOutOfRange_namesTableAndIndex() {
    assertRefusedUnchanged(
        () -> indexed.push(new long[] {3, 10}, filled(2, 1)),
        IllegalArgumentException.class,
        "items",
        "index 10",
        "10 rows");
    assertRefusedUnchanged(
        () -> indexed.push(new long[] {-1}, filled(1, 1)),
        IllegalArgumentException.class,
        "items",
        "index -1");
  }

  @Test
  void push_wrongGradientLength_namesTableAndLengths() {
    assertRefusedUnchanged(
        () -> keyed.push(new long[] {5, 6}, new float[2 * DIM - 1]),
        IllegalArgumentException.class,
        "users",
        "has 7 elements",
        "expected 2 ids x dim 4 = 8");
  }

  @Test
  void push_nonFiniteValue_namesTableIdAndValue() {
    float[] g = filled(2, 1);
    g[DIM + 2] = Float.NaN;
    assertRefusedUnchanged(
        () -> keyed.push(new long[] {5, 77}, g),
        IllegalArgumentException.class,
        "users",
        "NaN",
        "id 77");
    float[] h = filled(2, 1);
    h[1] = Float.NEGATIVE_INFINITY;
    assertRefusedUnchanged(
        () -> indexed.push(new long[] {4, 2}, h),
        IllegalArgumentException.class,
        "items",
        "-Infinity",
        "id 4");
  }

  @Test
  void push_duplicatesSumPastFloatRange_refused() {
    float[] g = filled(2, Float.MAX_VALUE);
    assertRefusedUnchanged(
        () -> indexed.push(new long[] {2, 2}, g),
        IllegalArgumentException.class,
        "items",
        "duplicate id 2");
  }

  @Test
  void push_pastRowLimit_namesTableLimitAndCount() {
    // 3 rows stored, limit 4: two new ids make 5. A known id alone is fine.
    assertRefusedUnchanged(
        () -> keyed.push(new long[] {5, 100, 101, 100}, filled(4, 1)),
        RowLimitException.class,
        "users",
        "limited to 4 rows",
        "would make 5",
        "1 past the limit");
    RowLimitException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RowLimitException.class, () -> keyed.push(new long[] {100, 101}, filled(2, 1)));
    assertThat(e.table()).isEqualTo("users");
    assertThat(e.limit()).isEqualTo(4);
    assertThat(e.requested()).isEqualTo(5);
    keyed.push(new long[] {100, 5}, filled(2, 1));
    assertThat(keyed.rowCount()).isEqualTo(4);
  }

  @Test
  void multiTablePush_secondPartBad_firstTableUnchanged() {
    float[] bad = filled(1, 1);
    bad[0] = Float.POSITIVE_INFINITY;
    assertRefusedUnchanged(
        () ->
            store.push(
                List.of(
                    new RowGradient("items", new long[] {1}, filled(1, 1)),
                    new RowGradient("users", new long[] {8}, bad))),
        IllegalArgumentException.class,
        "users",
        "Infinity");
    assertRefusedUnchanged(
        () ->
            store.push(
                List.of(
                    new RowGradient("items", new long[] {1}, filled(1, 1)),
                    new RowGradient("users", new long[] {200, 201}, filled(2, 1)))),
        RowLimitException.class,
        "users");
  }

  @Test
  void multiTablePush_sameTableTwiceOrUnknownTable_refused() {
    assertRefusedUnchanged(
        () ->
            store.push(
                List.of(
                    new RowGradient("items", new long[] {1}, filled(1, 1)),
                    new RowGradient("items", new long[] {2}, filled(1, 1)))),
        IllegalArgumentException.class,
        "items",
        "twice");
    assertThatThrownBy(
            () -> store.push(List.of(new RowGradient("nope", new long[] {1}, filled(1, 1)))))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND))
        .hasMessageContaining("nope");
  }

  @Test
  void multiTablePush_good_appliesBothAndReturnsVersions() {
    long[] versions =
        store.push(
            List.of(
                new RowGradient("users", new long[] {5}, filled(1, 1)),
                new RowGradient("items", new long[] {1}, filled(1, 1))));
    assertThat(versions).containsExactly(2, 2);
  }

  @Test
  void metadata_describesEachTable() {
    TableMetadata users = keyed.metadata();
    assertThat(users.name()).isEqualTo("users");
    assertThat(users.keyed()).isTrue();
    assertThat(users.maxRows()).isEqualTo(4);
    assertThat(users.rows()).isEqualTo(3);
    assertThat(users.version()).isEqualTo(1);
    assertThat(users.storedBytes()).isEqualTo(3L * DIM * 4 * 3);
    TableMetadata items = indexed.metadata();
    assertThat(items.keyed()).isFalse();
    assertThat(items.maxRows()).isEqualTo(10);
    assertThat(items.rows()).isEqualTo(10);
    assertThat(items.optimizer().kind()).isEqualTo(Optimizer.Kind.ADAM);
    assertThat(store.names()).containsExactly("items", "users");
  }

  @Test
  void create_duplicateName_alreadyExists() {
    assertThatThrownBy(
            () ->
                store.createKeyed(
                    "items",
                    DIM,
                    false,
                    new Hyperparameters(0.1, 0),
                    Optimizer.sgd(),
                    RowInitializer.zeros(),
                    10))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.ALREADY_EXISTS));
  }
}
