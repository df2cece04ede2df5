package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reads streamed chunk by chunk while pushes change the groups. Learning rate 1 and a gradient of
 * -1 everywhere make every element equal its group's version, so a chunk shows which version it
 * came from.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamingReadTest {

  private static final Hyperparameters EXACT = new Hyperparameters(1.0, 0.0);
  private static final int SIZE = 4096;
  private static final int CHUNK = 256;

  private final GroupStore store = new GroupStore(EXACT);

  private void createGroups(String... names) {
    for (String name : names) {
      store.create(name, new float[SIZE], false, null);
    }
  }

  private void pushTogether(String... names) {
    List<GroupGradient> gradients = new ArrayList<>();
    for (String name : names) {
      float[] minusOne = new float[SIZE];
      Arrays.fill(minusOne, -1f);
      gradients.add(new GroupGradient(name, minusOne));
    }
    store.push(gradients);
  }

  private static float[] chunk(StreamingRead read, int group, int from) {
    return read.read(
        group, from, CHUNK, (values, at, count) -> Arrays.copyOfRange(values, at, at + count));
  }

  @Test
  void openRead_concurrentMultiGroupPushers_everyReadIsOneCut() throws Exception {
    createGroups("a", "b");
    TransientMemoryBudget budget = new TransientMemoryBudget(64L << 20);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pushers = Executors.newFixedThreadPool(2);
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      running.add(
          pushers.submit(
              () -> {
                while (!stop.get()) {
                  pushTogether("a", "b");
                }
              }));
    }
    int readsOverlappingPushes = 0;
    try {
      for (int r = 0; r < 200; r++) {
        try (StreamingRead read =
            store.openRead(List.of(GroupSelector.any("a"), GroupSelector.any("b")), budget)) {
          long version = read.groups().get(0).version();
          assertThat(read.groups().get(1).version()).isEqualTo(version);
          for (int g = 0; g < 2; g++) {
            for (int from = 0; from < SIZE; from += CHUNK) {
              float[] values = chunk(read, g, from);
              for (float value : values) {
                assertThat(value).isEqualTo((float) version);
              }
              Thread.yield(); // a slow reader: let pushers overtake it
            }
          }
          if (store.list(List.of("a")).get(0).version() > version) {
            readsOverlappingPushes++;
          }
        }
      }
    } finally {
      stop.set(true);
      for (Future<?> pusher : running) {
        pusher.get(10, TimeUnit.SECONDS);
      }
      pushers.shutdown();
    }
    assertThat(readsOverlappingPushes).isPositive();
    assertThat(budget.readBytes()).isZero();
  }

  @Test
  void openRead_pushDuringRead_oneSharedCopyReleasedByTheLastReader() {
    createGroups("a");
    TransientMemoryBudget budget = new TransientMemoryBudget(1L << 20);
    StreamingRead first = store.openRead(List.of(GroupSelector.any("a")), budget);
    StreamingRead second = store.openRead(List.of(GroupSelector.any("a")), budget);
    chunk(second, 0, 0);
    chunk(second, 0, CHUNK);

    pushTogether("a");

    // One copy from the least advanced reader's position, shared by both.
    assertThat(budget.readBytes()).isEqualTo((long) SIZE * Float.BYTES);
    assertThat(chunk(first, 0, 0)).containsOnly(0f);
    assertThat(chunk(second, 0, 2 * CHUNK)).containsOnly(0f);
    first.close();
    assertThat(budget.readBytes()).isEqualTo((long) SIZE * Float.BYTES);
    second.close();
    assertThat(budget.readBytes()).isZero();
  }

  @Test
  void openRead_copyDoesNotFit_pushGoesOnAndTheReadFailsWithResourceExhausted() {
    createGroups("a");
    TransientMemoryBudget budget = new TransientMemoryBudget(1024);
    StreamingRead read = store.openRead(List.of(GroupSelector.any("a")), budget);
    chunk(read, 0, 0);

    pushTogether("a");

    assertThat(store.list(List.of("a")).get(0).version()).isEqualTo(1);
    assertThat(read.lost()).isTrue();
    assertThatThrownBy(() -> chunk(read, 0, CHUNK))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED);
              assertThat(e.getMessage()).contains("'a'").contains("--max-transient-bytes");
            });
    read.close();
    assertThat(budget.inUseBytes()).isZero();
  }

  @Test
  void openRead_finishedOrClosedReaders_costPushesNothing() {
    createGroups("a", "b");
    TransientMemoryBudget budget = new TransientMemoryBudget(1L << 20);
    StreamingRead read =
        store.openRead(List.of(GroupSelector.any("a"), new GroupSelector("b", 0)), budget);
    assertThat(read.notModified(1)).isTrue();
    for (int from = 0; from < SIZE; from += CHUNK) {
      chunk(read, 0, from);
    }
    StreamingRead abandoned = store.openRead(List.of(GroupSelector.any("a")), budget);
    abandoned.close();

    pushTogether("a", "b");

    assertThat(budget.inUseBytes()).isZero();
    assertThat(read.lost()).isFalse();
    read.close();
  }
}
