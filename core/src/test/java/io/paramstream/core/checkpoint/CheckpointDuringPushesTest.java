package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.CheckpointCut;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupState;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StoreState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A checkpoint writing one group must not stop pushes to the others. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckpointDuringPushesTest {

  private static final int BIG = 1 << 20;

  /** Collects bytes, but stops in the middle of the first big group until released. */
  private static final class BlockingStream extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final CountDownLatch blocked = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final long blockAfter;

    BlockingStream(long blockAfter) {
      this.blockAfter = blockAfter;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (bytes.size() + len > blockAfter && blocked.getCount() > 0) {
        blocked.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      bytes.write(b, off, len);
    }
  }

  private static GroupStore store(String... names) {
    GroupStore store = new GroupStore(new Hyperparameters(0.5, 0));
    for (String name : names) {
      store.create(name, new float[name.startsWith("big") ? BIG : 16], false, null);
    }
    return store;
  }

  private static List<GroupGradient> ones(String group, int size) {
    float[] values = new float[size];
    java.util.Arrays.fill(values, 1f);
    return List.of(new GroupGradient(group, values));
  }

  private static void awaitWaiting(Thread thread) throws InterruptedException {
    while (thread.getState() != Thread.State.WAITING) {
      Thread.sleep(1);
    }
  }

  private static GroupState group(StoreState state, String name) {
    return state.groups().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void pushToOtherGroup_whileBigGroupIsWritten_completes_andFileHoldsTheCut() throws Exception {
    GroupStore store = store("big", "small");
    BlockingStream out = new BlockingStream(BIG); // a quarter into the big group's values
    CheckpointCut cut = store.beginCheckpoint();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try (cut) {
                CheckpointFormat.write(cut, out);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThat(out.blocked.await(10, TimeUnit.SECONDS)).isTrue();

    for (int i = 0; i < 100; i++) {
      store.push(ones("small", 16)); // would hang here if the checkpoint stopped the world
    }
    CompletableFuture<Void> bigPush = new CompletableFuture<>();
    Thread bigPusher =
        new Thread(
            () -> {
              store.push(ones("big", BIG));
              bigPush.complete(null);
            });
    bigPusher.start();
    awaitWaiting(bigPusher); // the group being written waits for its own write only
    assertThat(bigPush).isNotDone();

    out.release.countDown();
    writer.get(10, TimeUnit.SECONDS);
    bigPush.get(10, TimeUnit.SECONDS);

    StoreState written = CheckpointCutConsistencyTest.read(out.bytes.toByteArray());
    assertThat(group(written, "small").version()).isZero();
    assertThat(group(written, "small").values()).containsOnly(0f);
    assertThat(group(written, "big").version()).isZero();
    assertThat(group(written, "big").values()).containsOnly(0f);
    assertThat(store.snapshot(List.of("small")).get("small")).containsOnly(-50f);
  }

  @Test
  void copiesOverBudget_pushWaits_andWriterTakesItsGroupNext() throws Exception {
    GroupStore store = store("big-a", "big-b", "big-c");
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    List<float[]> handed = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch writingFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CheckpointCut cut = store.beginCheckpoint();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try (cut) {
                cut.forEachGroup(
                    (header, values, first, second) -> {
                      order.add(header.name());
                      handed.add(values.clone());
                      writingFirst.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IOException(e);
                      }
                    });
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThat(writingFirst.await(10, TimeUnit.SECONDS)).isTrue();

    store.push(ones("big-b", BIG)); // copies big-b: the budget holds one big group
    Thread waiting = new Thread(() -> store.push(ones("big-c", BIG)));
    waiting.start();
    awaitWaiting(waiting); // no room for a second copy: waits for big-c's write
    release.countDown();
    writer.get(10, TimeUnit.SECONDS);
    waiting.join(10_000);

    assertThat(order).containsExactly("big-a", "big-c", "big-b");
    assertThat(handed).allSatisfy(values -> assertThat(values).containsOnly(0f));
    assertThat(store.snapshot(List.of("big-c")).get("big-c")).containsOnly(-0.5f);
  }

  @Test
  void cutClosedUnwritten_releasesGroups_andAllowsTheNextCut() {
    GroupStore store = store("small");
    CheckpointCut first = store.beginCheckpoint();
    assertThatThrownBy(store::beginCheckpoint).isInstanceOf(IllegalStateException.class);
    first.close();

    store.push(ones("small", 16));
    try (CheckpointCut second = store.beginCheckpoint()) {
      assertThat(second.groups()).singleElement().satisfies(h -> assertThat(h.version()).isOne());
    }
  }

  @Test
  void changeCount_movesOnChangesOnly() {
    GroupStore store = store("small");
    long created = store.changeCount();
    try (CheckpointCut cut = store.beginCheckpoint()) {
      assertThat(cut.changeCount()).isEqualTo(created);
    }
    store.snapshot(List.of("small"));
    assertThat(store.changeCount()).isEqualTo(created);
    store.push(ones("small", 16));
    assertThat(store.changeCount()).isGreaterThan(created);
  }
}
