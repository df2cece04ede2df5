package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableRows;
import io.paramstream.core.table.TableSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eight threads push gradients that touch two groups and two tables together while readers watch.
 * Every push subtracts exactly 1 from every element it touches (learning rate 1, gradient 1, no
 * decay), so at any instant between pushes both groups hold the same values, and both tables hold
 * the same rows at the same version: a reader that ever sees them differ saw half a push.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupStoreMixedPushConcurrencyTest {

  private static final int PUSHERS = 8;
  private static final int PUSHES_PER_THREAD = 300;
  private static final int DIM = 8;
  private static final long[] IDS = {0, 3, 5, 3}; // 3 twice: summed, so it moves by 2 per push

  private final ExecutorService executor = Executors.newFixedThreadPool(PUSHERS + 2);

  @AfterEach
  void tearDown() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void push_mixedFromEightThreads_readersNeverSeeHalfAPush() throws Exception {
    GroupStore store = new GroupStore(new Hyperparameters(1.0, 0.0));
    store.create("a", new float[64], false, null);
    store.create("b", new float[64], false, null);
    store
        .tables()
        .createIndexed(
            new TableSpec("items", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
            6,
            0,
            1);
    store
        .tables()
        .createKeyed(
            new TableSpec("users", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
            Long.MAX_VALUE);
    float[] groupGradient = new float[64];
    Arrays.fill(groupGradient, 1);
    float[] rowGradient = new float[IDS.length * DIM];
    Arrays.fill(rowGradient, 1);

    AtomicBoolean done = new AtomicBoolean();
    List<Future<Integer>> readers = new ArrayList<>();
    readers.add(executor.submit(() -> readTablesUntil(store, done)));
    readers.add(executor.submit(() -> readGroupsUntil(store, done)));
    List<Future<?>> pushers = new ArrayList<>();
    for (int t = 0; t < PUSHERS; t++) {
      String worker = "w" + t;
      pushers.add(
          executor.submit(
              () -> {
                for (int s = 1; s <= PUSHES_PER_THREAD; s++) {
                  store.push(
                      worker,
                      s,
                      List.of(
                          new GroupGradient("a", groupGradient),
                          new GroupGradient("b", groupGradient)),
                      List.of(
                          new RowGradient("users", IDS, rowGradient),
                          new RowGradient("items", IDS, rowGradient)));
                  // A retry of the same sequence changes nothing.
                  store.push(
                      worker, s, List.of(), List.of(new RowGradient("users", IDS, rowGradient)));
                }
              }));
    }
    for (Future<?> pusher : pushers) {
      pusher.get(50, TimeUnit.SECONDS);
    }
    done.set(true);
    for (Future<Integer> reader : readers) {
      assertThat(reader.get(10, TimeUnit.SECONDS)).isPositive();
    }

    int pushes = PUSHERS * PUSHES_PER_THREAD;
    float[] expectedRows = new float[3 * DIM];
    Arrays.fill(expectedRows, 0, DIM, -pushes);
    Arrays.fill(expectedRows, DIM, 2 * DIM, -2 * pushes);
    Arrays.fill(expectedRows, 2 * DIM, 3 * DIM, -pushes);
    for (String table : List.of("users", "items")) {
      TableRows rows =
          store.tables().read(List.of(new RowSelection(table, new long[] {0, 3, 5}, -1))).get(0);
      assertThat(rows.version()).isEqualTo(pushes);
      assertThat(rows.values()).containsExactly(expectedRows);
    }
    assertThat(store.tables().list(List.of("users")).get(0).rows()).isEqualTo(3);
    assertThat(store.snapshot(List.of("a")).get("a")).containsOnly((float) -pushes);
  }

  /** Reads both tables together until told to stop; returns how many reads it made. */
  private static int readTablesUntil(GroupStore store, AtomicBoolean done) {
    int reads = 0;
    long[] ids = {0, 3, 5};
    while (!done.get() || reads == 0) {
      List<TableRows> both =
          store
              .tables()
              .read(
                  List.of(
                      new RowSelection("users", ids, RowSelection.ANY_VERSION),
                      new RowSelection("items", ids, RowSelection.ANY_VERSION)));
      assertThat(both.get(0).version()).isEqualTo(both.get(1).version());
      assertThat(both.get(0).values()).containsExactly(both.get(1).values());
      // Row 3 got both duplicates of every push it saw, never one alone.
      assertThat(both.get(0).values()[DIM]).isEqualTo(2 * both.get(0).values()[0]);
      reads++;
    }
    return reads;
  }

  private static int readGroupsUntil(GroupStore store, AtomicBoolean done) {
    int reads = 0;
    while (!done.get() || reads == 0) {
      Map<String, float[]> both = store.snapshot(List.of("a", "b"));
      assertThat(both.get("a")).containsExactly(both.get("b"));
      reads++;
    }
    return reads;
  }
}
