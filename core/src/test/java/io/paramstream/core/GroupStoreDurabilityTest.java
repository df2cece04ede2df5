package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** De-duplication, limits, and export/import of the whole store. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GroupStoreDurabilityTest {

  private static final Hyperparameters LR_ONE = new Hyperparameters(1.0, 0.0);

  private static List<GroupGradient> one(String group, float... values) {
    return List.of(new GroupGradient(group, values));
  }

  @Test
  void push_sameWorkerSequenceTwice_appliesOnce() {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("g", new float[] {0}, false, null);

    PushOutcome first = store.push("w", 1, one("g", 1));
    PushOutcome retry = store.push("w", 1, one("g", 1));

    assertThat(first.duplicate()).isFalse();
    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.versions()).containsExactly(new GroupVersion("g", 1));
    assertThat(store.snapshot(List.of("g")).get("g")).containsExactly(-1f);
  }

  @Test
  void push_olderSequenceOrOtherWorker_behavesByWorker() {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("g", new float[] {0}, false, null);
    store.push("w", 5, one("g", 1));

    assertThat(store.push("w", 3, one("g", 1)).duplicate()).isTrue();
    assertThat(store.push("other", 3, one("g", 1)).duplicate()).isFalse();
    assertThat(store.push(null, 0, one("g", 1)).duplicate()).isFalse();
    assertThat(store.snapshot(List.of("g")).get("g")).containsExactly(-3f);
  }

  @Test
  void push_rejectedPush_doesNotConsumeSequence() {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("g", new float[] {0}, false, null);
    assertThatThrownBy(() -> store.push("w", 1, one("g", Float.NaN)))
        .isInstanceOf(GroupStoreException.class);
    assertThat(store.push("w", 1, one("g", 1)).duplicate()).isFalse();
  }

  @Test
  void push_workerWithoutPositiveSequence_isInvalid() {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("g", new float[] {0}, false, null);
    assertThatThrownBy(() -> store.push("w", 0, one("g", 1)))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT));
  }

  @Test
  void create_pastMaxGroups_isResourceExhaustedAndChangesNothing() {
    GroupStore store = new GroupStore(LR_ONE, new StoreLimits(2, Long.MAX_VALUE));
    store.create("a", new float[1], false, null);
    store.create("b", new float[1], false, null);

    assertThatThrownBy(() -> store.create("c", new float[1], false, null))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED));
    assertThat(store.list(List.of())).extracting(GroupMetadata::name).containsExactly("a", "b");

    store.delete(List.of("a"));
    store.create("c", new float[1], false, null); // room again after a delete
  }

  @Test
  void create_pastMaxParameterBytes_isResourceExhausted() {
    GroupStore store = new GroupStore(LR_ONE, new StoreLimits(100, 40));
    store.create("a", new float[8], false, null);
    assertThatThrownBy(() -> store.create("b", new float[3], false, null))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED));
    store.create("b", new float[2], false, null);
    assertThat(store.parameterBytes()).isEqualTo(40);
  }

  @Test
  void create_duplicateName_doesNotLeakReservation() {
    GroupStore store = new GroupStore(LR_ONE, new StoreLimits(1, 100));
    store.create("a", new float[1], false, null);
    assertThatThrownBy(() -> store.create("a", new float[1], false, null))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.ALREADY_EXISTS));
    assertThat(store.parameterBytes()).isEqualTo(4);
  }

  @Test
  void exportThenImport_restoresGroupsVersionsAndDeduplication() {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("g", new float[] {1, 2}, true, new Hyperparameters(0.5, 0.1));
    store.push("w", 1, one("g", 1, 1));
    store.push("w", 2, one("g", 1, 1));

    GroupStore restored = new GroupStore(LR_ONE);
    restored.importState(store.exportState());

    assertThat(restored.list(List.of())).isEqualTo(store.list(List.of()));
    assertThat(restored.snapshot(List.of("g")).get("g"))
        .containsExactly(store.snapshot(List.of("g")).get("g"));
    assertThat(restored.push("w", 2, one("g", 1, 1)).duplicate()).isTrue();
    assertThat(restored.push("w", 3, one("g", 1, 1)).versions())
        .containsExactly(new GroupVersion("g", 3));
  }

  @Test
  void importState_overLimit_leavesStoreEmpty() {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("a", new float[1], false, null);
    store.create("b", new float[1], false, null);
    GroupStore small = new GroupStore(LR_ONE, new StoreLimits(1, 100));
    assertThatThrownBy(() -> small.importState(store.exportState()))
        .isInstanceOf(GroupStoreException.class);
    assertThat(small.size()).isZero();
    assertThat(small.parameterBytes()).isZero();
  }

  @Test
  void exportState_duringMultiGroupPushes_seesEveryPushWholeWithItsSequence() throws Exception {
    GroupStore store = new GroupStore(LR_ONE);
    store.create("x", new float[64], false, null);
    store.create("y", new float[64], false, null);
    AtomicBoolean stop = new AtomicBoolean();
    Thread pusher =
        new Thread(
            () -> {
              float[] ones = new float[64];
              java.util.Arrays.fill(ones, 1);
              for (long seq = 1; !stop.get(); seq++) {
                store.push(
                    "w", seq, List.of(new GroupGradient("x", ones), new GroupGradient("y", ones)));
              }
            });
    pusher.start();
    try {
      for (int i = 0; i < 200; i++) {
        StoreState state = store.exportState();
        long seq = state.lastSequences().getOrDefault("w", 0L);
        for (GroupState group : state.groups()) {
          assertThat(group.version()).isEqualTo(seq);
          for (float v : group.values()) {
            assertThat(v).isEqualTo(-seq);
          }
        }
      }
    } finally {
      stop.set(true);
      pusher.join();
    }
  }

  @Test
  void stateRecords_copyTheirCollections() {
    StoreState state = new StoreState(new java.util.ArrayList<>(), new java.util.HashMap<>());
    assertThatThrownBy(() -> state.lastSequences().put("w", 1L))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(Map.copyOf(state.lastSequences())).isEmpty();
  }
}
