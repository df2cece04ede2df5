package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.CheckpointCut;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableHeader;
import io.paramstream.core.table.TableRowSink;
import io.paramstream.core.table.TableSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A checkpoint's copies of table rows stay within its budget (the largest group or table): pushes
 * copy only the blocks of rows they change, and past the budget a push waits for the writer, which
 * takes that table next, instead of copying.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TableCutCopyBudgetTest {

  /** 1024 floats a row makes 1024 rows a block: 1025 rows are a 4 MiB block and a 4 KiB one. */
  private static final int DIM = 1024;

  private static final int ROWS = 1025;

  private static GroupStore store(String... tables) {
    GroupStore store = new GroupStore(new Hyperparameters(0.5, 0));
    for (String table : tables) {
      store
          .tables()
          .createIndexed(
              new TableSpec(table, DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
              ROWS,
              0,
              1);
    }
    return store;
  }

  private static void pushOnes(GroupStore store, String table, long row) {
    float[] ones = new float[DIM];
    Arrays.fill(ones, 1f);
    store.push(null, 0, List.of(), List.of(new RowGradient(table, new long[] {row}, ones)));
  }

  private static float[] row(GroupStore store, String table, long row) {
    return store
        .tables()
        .read(List.of(new RowSelection(table, new long[] {row}, -1)))
        .get(0)
        .values();
  }

  private static void awaitWaiting(Thread thread) throws InterruptedException {
    while (thread.getState() != Thread.State.WAITING) {
      Thread.sleep(1);
    }
  }

  /** Records what the writer hands out, stopping at its first table until released. */
  private static final class RecordingSink implements TableRowSink {
    final List<String> order = Collections.synchronizedList(new ArrayList<>());
    final List<float[]> handed = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch writingFirst = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void begin(TableHeader header) throws IOException {
      order.add(header.name());
      writingFirst.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    }

    @Override
    public void rows(long[] ids, float[] values, float[] first, float[] second, int count) {
      handed.add(Arrays.copyOf(values, count * DIM));
    }

    @Override
    public void end() {}
  }

  private static CompletableFuture<Void> writeInBackground(CheckpointCut cut, TableRowSink sink) {
    return CompletableFuture.runAsync(
        () -> {
          try (cut) {
            cut.forEachTable(sink);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Test
  void copiesPerBlock_overBudget_pushWaits_andWriterTakesItsTableNext() throws Exception {
    GroupStore store = store("a", "b", "c", "d");
    RecordingSink sink = new RecordingSink();
    CheckpointCut cut = store.beginCheckpoint();
    CompletableFuture<Void> writer = writeInBackground(cut, sink);
    assertThat(sink.writingFirst.await(10, TimeUnit.SECONDS)).isTrue();

    pushOnes(store, "b", 0); // copies b's first block: 4 MiB of the 4 MiB + 4 KiB budget
    pushOnes(store, "c", 1024); // copies c's 4 KiB block only, which still fits
    Thread waiting = new Thread(() -> pushOnes(store, "d", 0));
    waiting.start();
    awaitWaiting(waiting); // a second 4 MiB block would pass the budget: waits for d's write
    assertThat(row(store, "d", 0)).containsOnly(0f);

    sink.release.countDown();
    writer.get(10, TimeUnit.SECONDS);
    waiting.join(10_000);

    assertThat(sink.order).containsExactly("a", "d", "b", "c");
    assertThat(sink.handed).hasSize(8).allSatisfy(values -> assertThat(values).containsOnly(0f));
    assertThat(row(store, "b", 0)).containsOnly(-0.5f);
    assertThat(row(store, "c", 1024)).containsOnly(-0.5f);
    assertThat(row(store, "d", 0)).containsOnly(-0.5f);
  }

  @Test
  void cutClosedUnwritten_releasesAWaitingPush_andAllowsTheNextCut() throws Exception {
    GroupStore store = store("a", "b");
    CheckpointCut cut = store.beginCheckpoint();
    pushOnes(store, "a", 0); // takes the 4 MiB block's worth of budget
    Thread waiting = new Thread(() -> pushOnes(store, "b", 0));
    waiting.start();
    awaitWaiting(waiting);

    cut.close();
    waiting.join(10_000);

    assertThat(waiting.isAlive()).isFalse();
    assertThat(row(store, "b", 0)).containsOnly(-0.5f);
    try (CheckpointCut next = store.beginCheckpoint()) {
      assertThat(next.tables()).extracting(TableHeader::version).containsExactly(1L, 1L);
    }
  }
}
