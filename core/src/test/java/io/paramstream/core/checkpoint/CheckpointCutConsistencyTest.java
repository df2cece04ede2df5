package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.CheckpointCut;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupState;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.StoreState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Checkpoints written while pushers run: each file must hold a prefix of the acknowledged pushes,
 * with every multi-group push entirely in or entirely out, and optimizer state and worker sequences
 * that match the values.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointCutConsistencyTest {

  private static final int SIZE = 256;
  private static final Hyperparameters HP = new Hyperparameters(0.01, 0.001);

  /** A worker pushing the same groups together, forever, with sequences 1, 2, 3, ... */
  private static final class Pusher extends Thread {
    final GroupStore store;
    final String worker;
    final List<String> groups;
    final AtomicLong acked = new AtomicLong();
    final AtomicBoolean stop = new AtomicBoolean();

    Pusher(GroupStore store, String worker, String... groups) {
      this.store = store;
      this.worker = worker;
      this.groups = List.of(groups);
    }

    @Override
    public void run() {
      try {
        for (long sequence = 1; !stop.get(); sequence++) {
          store.push(worker, sequence, gradients(groups));
          acked.set(sequence);
          if (sequence % 8 == 0) {
            Thread.sleep(1); // keeps the replay that checks each file short
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static List<GroupGradient> gradients(List<String> groups) {
    List<GroupGradient> result = new ArrayList<>();
    for (String group : groups) {
      float[] values = new float[SIZE];
      Arrays.fill(values, group.length() * 0.1f);
      result.add(new GroupGradient(group, values));
    }
    return result;
  }

  private static GroupStore newStore() {
    GroupStore store = new GroupStore(HP);
    float[] initial = new float[SIZE];
    Arrays.fill(initial, 1f);
    store.create("a", initial.clone(), true, null, Optimizer.sgd(0.9, 0, true));
    store.create("b", initial.clone(), false, null);
    store.create("cc", initial.clone(), true, null, Optimizer.adam(0.9, 0.999, 1e-8));
    store.create("dd", initial.clone(), false, null, Optimizer.adamW(0.8, 0.99, 1e-6));
    store.create("eee", initial.clone(), true, null);
    return store;
  }

  @Test
  void checkpoint_whileMultiGroupPushersRun_holdsAPrefixWithPushesWhole() throws Exception {
    GroupStore store = newStore();
    Pusher pair = new Pusher(store, "pair", "a", "b");
    Pusher adams = new Pusher(store, "adams", "dd", "cc");
    Pusher solo = new Pusher(store, "solo", "eee");
    List<Pusher> pushers = List.of(pair, adams, solo);
    pushers.forEach(Thread::start);
    GroupStore replay = newStore();
    try {
      for (int round = 0; round < 15; round++) {
        Thread.sleep(5);
        long[] ackedBefore = pushers.stream().mapToLong(p -> p.acked.get()).toArray();
        byte[] file;
        try (CheckpointCut cut = store.beginCheckpoint()) {
          file = write(cut);
        }
        long[] ackedAfter = pushers.stream().mapToLong(p -> p.acked.get()).toArray();
        StoreState state = read(file);
        for (int p = 0; p < pushers.size(); p++) {
          Pusher pusher = pushers.get(p);
          long sequence = state.lastSequences().getOrDefault(pusher.worker, 0L);
          // A prefix: everything acknowledged before the cut, nothing not yet sent after it.
          assertThat(sequence).isBetween(ackedBefore[p], ackedAfter[p] + 1);
          for (String group : pusher.groups) {
            assertThat(group(state, group).version())
                .as("version of %s", group)
                .isEqualTo(sequence);
          }
        }
        assertMatchesReplay(state, replay);
      }
    } finally {
      pushers.forEach(p -> p.stop.set(true));
      for (Pusher pusher : pushers) {
        pusher.join();
      }
    }
    assertThat(pair.acked.get()).as("pushes made during the test").isGreaterThan(15);
  }

  /**
   * Values and optimizer state are exactly what the recorded number of pushes produces, replayed on
   * {@code replay}, which is brought forward from the previous file's versions.
   */
  private static void assertMatchesReplay(StoreState state, GroupStore replay) {
    for (GroupState group : state.groups()) {
      long replayed = replay.list(List.of(group.name())).get(0).version();
      for (long i = replayed; i < group.version(); i++) {
        replay.push(gradients(List.of(group.name())));
      }
    }
    StoreState expected = replay.exportState();
    for (GroupState want : expected.groups()) {
      GroupState got = group(state, want.name());
      assertThat(got.values()).as("values of %s", want.name()).containsExactly(want.values());
      assertThat(got.optimizer().steps()).isEqualTo(want.optimizer().steps());
      assertThat(got.optimizer().firstMoment())
          .as("first moment of %s", want.name())
          .isEqualTo(want.optimizer().firstMoment());
      assertThat(got.optimizer().secondMoment()).isEqualTo(want.optimizer().secondMoment());
    }
  }

  private static GroupState group(StoreState state, String name) {
    return state.groups().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
  }

  static byte[] write(CheckpointCut cut) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CheckpointFormat.write(cut, out);
    return out.toByteArray();
  }

  static StoreState read(byte[] bytes) throws IOException {
    return CheckpointFormat.read(() -> new ByteArrayInputStream(bytes), bytes.length);
  }

  @Test
  void restore_ofCheckpointTakenDuringPushes_continuesLikeTheOriginal() throws Exception {
    GroupStore store = newStore();
    Pusher pair = new Pusher(store, "pair", "a", "b");
    pair.start();
    byte[] file;
    try {
      while (pair.acked.get() < 20) {
        Thread.onSpinWait();
      }
      try (CheckpointCut cut = store.beginCheckpoint()) {
        file = write(cut);
      }
    } finally {
      pair.stop.set(true);
      pair.join();
    }
    GroupStore restored = new GroupStore(HP);
    restored.importState(read(file));
    long next = read(file).lastSequences().get("pair") + 1;

    assertThat(restored.push("pair", next - 1, gradients(List.of("a", "b"))).duplicate()).isTrue();
    assertThat(restored.push("pair", next, gradients(List.of("a", "b"))).versions())
        .allSatisfy(v -> assertThat(v.version()).isEqualTo(next));
  }
}
