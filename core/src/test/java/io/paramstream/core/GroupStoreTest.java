package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GroupStoreTest {

  private static final Hyperparameters DEFAULTS = new Hyperparameters(0.1, 0.01);
  private static final Hyperparameters CUSTOM = new Hyperparameters(0.5, 0.02);

  private GroupStore store;

  @BeforeEach
  void setUp() {
    store = new GroupStore(DEFAULTS);
    store.create("a", new float[] {1.0f, 2.0f}, true, null);
    store.create("b", new float[] {0.5f, -0.5f, 3.0f}, false, CUSTOM);
  }

  private static GroupGradient grad(String group, float... values) {
    return new GroupGradient(group, values);
  }

  /** Everything observable about the store's groups: metadata and values, in name order. */
  private record State(List<GroupMetadata> metadata, Map<String, float[]> values) {}

  private State state() {
    List<GroupMetadata> metadata = store.list(List.of());
    Map<String, float[]> values =
        store.snapshot(metadata.stream().map(GroupMetadata::name).toList());
    return new State(metadata, values);
  }

  private void assertUnchanged(State before) {
    State after = state();
    assertThat(after.metadata()).isEqualTo(before.metadata());
    assertThat(after.values().keySet()).containsExactlyElementsOf(before.values().keySet());
    for (String name : before.values().keySet()) {
      assertThat(after.values().get(name)).as(name).containsExactly(before.values().get(name));
    }
  }

  private static float[] expectedAfter(
      float[] theta, float[] grad, Hyperparameters hp, boolean decay) {
    return SgdKernel.update(List.of(theta), List.of(grad), hp, List.of(decay)).get(0);
  }

  // ---- create / list / delete ----

  @Test
  void create_newGroup_returnsMetadataAtVersionZero() {
    GroupMetadata metadata = store.create("c", new float[] {1f, 2f, 3f, 4f}, true, CUSTOM);

    assertThat(metadata).isEqualTo(new GroupMetadata("c", 4, true, 0, CUSTOM));
    assertThat(store.size()).isEqualTo(3);
  }

  @Test
  void list_allGroups_sortedByNameWithMetadata() {
    store.create("0first", new float[] {9f}, false, null);

    assertThat(store.list(List.of()))
        .containsExactly(
            new GroupMetadata("0first", 1, false, 0, DEFAULTS),
            new GroupMetadata("a", 2, true, 0, DEFAULTS),
            new GroupMetadata("b", 3, false, 0, CUSTOM));
  }

  @Test
  void list_namedGroups_returnsOnlyThoseSorted() {
    store.create("c", new float[] {9f}, false, null);

    assertThat(store.list(List.of("c", "a")))
        .extracting(GroupMetadata::name)
        .containsExactly("a", "c");
  }

  @Test
  void list_unknownName_throwsNotFound() {
    GroupStoreException e =
        catchThrowableOfType(GroupStoreException.class, () -> store.list(List.of("a", "missing")));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
    assertThat(e).hasMessageContaining("missing");
  }

  @Test
  void create_nullHyperparameters_usesStoreDefaults() {
    GroupMetadata metadata = store.create("c", new float[] {1f}, false, null);

    assertThat(metadata.hyperparameters()).isEqualTo(DEFAULTS);
    assertThat(store.defaultHyperparameters()).isEqualTo(DEFAULTS);
  }

  @Test
  void create_duplicateName_throwsAlreadyExistsAndKeepsOriginal() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () -> store.create("a", new float[] {7f, 7f, 7f}, false, CUSTOM));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.ALREADY_EXISTS);
    assertThat(e).hasMessageContaining("'a'");
    assertUnchanged(before);
  }

  @Test
  void create_emptyName_throwsInvalidArgument() {
    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class, () -> store.create("", new float[] {1f}, false, null));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("empty");
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void create_nameOf256Utf8Bytes_accepted() {
    // 128 two-byte characters: 128 chars, 256 bytes.
    String name = "é".repeat(128);

    assertThat(store.create(name, new float[] {1f}, false, null).name()).isEqualTo(name);
  }

  @Test
  void create_nameOver256Utf8Bytes_throwsInvalidArgument() {
    // 129 characters but 258 bytes: the limit counts bytes, not characters.
    String name = "é".repeat(129);

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class, () -> store.create(name, new float[] {1f}, false, null));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("258").hasMessageContaining("256");
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void create_asciiNameOver256Bytes_throwsInvalidArgument() {
    String name = "x".repeat(GroupStore.MAX_NAME_BYTES + 1);

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class, () -> store.create(name, new float[] {1f}, false, null));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("257");
  }

  @Test
  void create_zeroSizeGroup_throwsInvalidArgument() {
    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class, () -> store.create("c", new float[0], false, null));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("'c'");
    assertThat(store.size()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void create_nonFiniteInitialValue_throwsInvalidArgumentNamingIndex(float bad) {
    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () -> store.create("c", new float[] {1f, 2f, bad}, false, null));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessageContaining("'c'")
        .hasMessageContaining(String.valueOf(bad))
        .hasMessageContaining("index 2");
    assertThat(store.list(List.of())).extracting(GroupMetadata::name).containsExactly("a", "b");
  }

  @Test
  void delete_knownGroups_removesThem() {
    store.create("c", new float[] {1f}, false, null);

    store.delete(List.of("a", "c"));

    assertThat(store.list(List.of())).extracting(GroupMetadata::name).containsExactly("b");
    assertThat(store.size()).isEqualTo(1);
    GroupStoreException e =
        catchThrowableOfType(GroupStoreException.class, () -> store.snapshot(List.of("a")));
    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
  }

  @Test
  void delete_knownAndUnknown_deletesNothing() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class, () -> store.delete(List.of("a", "missing")));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
    assertThat(e).hasMessageContaining("missing");
    assertUnchanged(before);
  }

  @Test
  void delete_emptyList_throwsInvalidArgument() {
    GroupStoreException e =
        catchThrowableOfType(GroupStoreException.class, () -> store.delete(List.of()));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void delete_thenCreateSameName_startsFreshAtVersionZero() {
    store.push(List.of(grad("a", 1f, 1f)));
    store.delete(List.of("a"));

    GroupMetadata recreated = store.create("a", new float[] {5f}, false, null);

    assertThat(recreated.version()).isZero();
    assertThat(store.snapshot(List.of("a")).get("a")).containsExactly(5f);
  }

  @Test
  void push_deletedGroup_throwsNotFound() {
    store.delete(List.of("a"));

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class, () -> store.push(List.of(grad("a", 1f, 1f))));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
  }

  // ---- push ----

  @Test
  void push_singleGroup_appliesKernelAndIncrementsVersion() {
    float[] gradient = {0.1f, 0.2f};
    float[] expected = expectedAfter(new float[] {1.0f, 2.0f}, gradient, DEFAULTS, true);

    List<GroupVersion> versions = store.push(List.of(new GroupGradient("a", gradient)));

    assertThat(versions).containsExactly(new GroupVersion("a", 1));
    assertThat(store.snapshot(List.of("a")).get("a")).containsExactly(expected);
    assertThat(store.list(List.of("a")).get(0).version()).isEqualTo(1);
  }

  @Test
  void push_multiGroup_appliesEachGroupsOwnHyperparametersAndFlag() {
    float[] gradA = {0.1f, 0.2f};
    float[] gradB = {1f, 2f, 3f};
    float[] expectedA = expectedAfter(new float[] {1.0f, 2.0f}, gradA, DEFAULTS, true);
    float[] expectedB = expectedAfter(new float[] {0.5f, -0.5f, 3.0f}, gradB, CUSTOM, false);

    List<GroupVersion> versions =
        store.push(List.of(new GroupGradient("b", gradB), new GroupGradient("a", gradA)));

    assertThat(versions).containsExactly(new GroupVersion("b", 1), new GroupVersion("a", 1));
    Map<String, float[]> values = store.snapshot(List.of("a", "b"));
    assertThat(values.get("a")).containsExactly(expectedA);
    assertThat(values.get("b")).containsExactly(expectedB);
  }

  @Test
  void push_repeatedPushes_versionsCountUpAndUpdatesCompose() {
    float[] expected = {1.0f, 2.0f};
    for (int i = 1; i <= 5; i++) {
      float[] gradient = {0.1f * i, -0.2f * i};
      expected = expectedAfter(expected, gradient, DEFAULTS, true);

      assertThat(store.push(List.of(new GroupGradient("a", gradient))))
          .containsExactly(new GroupVersion("a", i));
    }

    assertThat(store.snapshot(List.of("a")).get("a")).containsExactly(expected);
    assertThat(store.list(List.of())).extracting(GroupMetadata::version).containsExactly(5L, 0L);
  }

  @Test
  void push_gradientMutatedAfterPush_groupUnchanged() {
    float[] gradient = {0.1f, 0.2f};
    store.push(List.of(new GroupGradient("a", gradient)));
    float[] afterPush = store.snapshot(List.of("a")).get("a");

    gradient[0] = 1000f;
    gradient[1] = -1000f;

    assertThat(store.snapshot(List.of("a")).get("a")).containsExactly(afterPush);
  }

  @Test
  void push_unknownGroupAmongValid_throwsNotFoundAndChangesNothing() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () ->
                store.push(
                    List.of(grad("a", 0.1f, 0.2f), grad("nope", 1f), grad("b", 1f, 1f, 1f))));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
    assertThat(e).hasMessageContaining("'nope'");
    assertUnchanged(before);
  }

  @Test
  void push_wrongLengthInSecondGroup_throwsInvalidArgumentAndChangesNothing() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () -> store.push(List.of(grad("a", 0.1f, 0.2f), grad("b", 1f, 1f))));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessageContaining("'b'")
        .hasMessageContaining("2 elements")
        .hasMessageContaining("group has 3");
    assertUnchanged(before);
  }

  @ParameterizedTest
  @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void push_nonFiniteValueInLastGroup_throwsInvalidArgumentAndChangesNothing(float bad) {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () -> store.push(List.of(grad("a", 0.1f, 0.2f), grad("b", 1f, bad, 1f))));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessageContaining("'b'")
        .hasMessageContaining(String.valueOf(bad))
        .hasMessageContaining("index 1");
    assertUnchanged(before);
  }

  @Test
  void push_sameGroupTwice_throwsInvalidArgumentAndChangesNothing() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () ->
                store.push(
                    List.of(grad("a", 0.1f, 0.2f), grad("b", 1f, 1f, 1f), grad("a", 1f, 1f))));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("'a'").hasMessageContaining("more than once");
    assertUnchanged(before);
  }

  @Test
  void push_emptyPush_throwsInvalidArgumentAndChangesNothing() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(GroupStoreException.class, () -> store.push(List.of()));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("at least one gradient");
    assertUnchanged(before);
  }

  @Test
  void push_failedPush_doesNotNotifyListeners() {
    RecordingListener listener = new RecordingListener();
    store.addListener(listener);

    assertThatThrownBy(() -> store.push(List.of(grad("a", 0.1f, 0.2f), grad("nope", 1f))))
        .isInstanceOf(GroupStoreException.class);

    assertThat(listener.events).isEmpty();
  }

  // ---- read ----

  @Test
  void read_ifNewerThanCurrentVersion_returnsNotModified() {
    store.push(List.of(grad("a", 0.1f, 0.2f)));
    RecordingVisitor visitor = new RecordingVisitor();

    store.read(List.of(new GroupSelector("a", 1), new GroupSelector("b", 0)), visitor);

    assertThat(visitor.events).containsExactly("notModified a@1", "notModified b@0");
  }

  @Test
  void read_ifNewerThanFutureVersion_returnsNotModified() {
    RecordingVisitor visitor = new RecordingVisitor();

    store.read(List.of(new GroupSelector("a", 99)), visitor);

    assertThat(visitor.events).containsExactly("notModified a@0");
  }

  @Test
  void read_ifNewerThanOlderVersion_returnsValues() {
    store.push(List.of(grad("a", 0.1f, 0.2f)));
    float[] expected = store.snapshot(List.of("a")).get("a");
    RecordingVisitor visitor = new RecordingVisitor();

    store.read(List.of(new GroupSelector("a", 0), GroupSelector.any("b")), visitor);

    assertThat(visitor.events).containsExactly("group a@1", "group b@0");
    assertThat(visitor.values.get(0)).containsExactly(expected);
    assertThat(visitor.values.get(1)).containsExactly(0.5f, -0.5f, 3.0f);
  }

  @Test
  void read_emptySelectors_readsEveryGroupSortedByName() {
    store.create("0first", new float[] {9f}, false, null);
    RecordingVisitor visitor = new RecordingVisitor();

    store.read(List.of(), visitor);

    assertThat(visitor.events).containsExactly("group 0first@0", "group a@0", "group b@0");
  }

  @Test
  void read_unknownGroup_throwsNotFoundBeforeVisiting() {
    RecordingVisitor visitor = new RecordingVisitor();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () -> store.read(List.of(GroupSelector.any("a"), GroupSelector.any("x")), visitor));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
    assertThat(visitor.events).isEmpty();
  }

  @Test
  void read_sameGroupTwice_throwsInvalidArgument() {
    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () ->
                store.read(
                    List.of(GroupSelector.any("a"), GroupSelector.any("a")),
                    new RecordingVisitor()));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT);
  }

  @Test
  void read_visitorThrows_releasesLocks() throws Exception {
    assertThatThrownBy(
            () ->
                store.read(
                    List.of(GroupSelector.any("a"), GroupSelector.any("b")),
                    new RecordingVisitor() {
                      @Override
                      public void group(GroupMetadata group, float[] values) {
                        throw new IllegalStateException("visitor failed");
                      }
                    }))
        .hasMessage("visitor failed");

    // Another thread must be able to take the locks again.
    Thread pusher = new Thread(() -> store.push(List.of(grad("a", 0f, 0f), grad("b", 0f, 0f, 0f))));
    pusher.start();
    pusher.join(5_000);
    assertThat(pusher.isAlive()).as("push blocked on a lock the failed read kept").isFalse();
    assertThat(store.list(List.of())).extracting(GroupMetadata::version).containsExactly(1L, 1L);
  }

  @Test
  void snapshot_returnsCopiesNotStoredArrays() {
    float[] copy = store.snapshot(List.of("a")).get("a");
    copy[0] = 42f;

    assertThat(store.snapshot(List.of("a")).get("a")).containsExactly(1.0f, 2.0f);
  }

  // ---- hyperparameters ----

  @Test
  void setHyperparameters_namedGroup_changesSubsequentPushesAndList() {
    Hyperparameters changed = new Hyperparameters(1.0, 0.0);

    List<GroupMetadata> result = store.setHyperparameters(List.of("a"), changed);
    store.push(List.of(grad("a", 0.25f, 0.5f)));

    assertThat(result).containsExactly(new GroupMetadata("a", 2, true, 0, changed));
    assertThat(store.list(List.of()))
        .extracting(GroupMetadata::hyperparameters)
        .containsExactly(changed, CUSTOM);
    // lr 1, wd 0: theta - grad, exactly.
    assertThat(store.snapshot(List.of("a")).get("a")).containsExactly(0.75f, 1.5f);
  }

  @Test
  void setHyperparameters_noNames_changesEveryGroup() {
    List<GroupMetadata> result = store.setHyperparameters(List.of(), CUSTOM);

    assertThat(result).extracting(GroupMetadata::name).containsExactly("a", "b");
    assertThat(store.list(List.of()))
        .extracting(GroupMetadata::hyperparameters)
        .containsOnly(CUSTOM);
  }

  @Test
  void setHyperparameters_unknownAmongKnown_changesNothing() {
    State before = state();

    GroupStoreException e =
        catchThrowableOfType(
            GroupStoreException.class,
            () -> store.setHyperparameters(List.of("a", "zzz"), new Hyperparameters(1, 1)));

    assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND);
    assertUnchanged(before);
  }

  // ---- listeners ----

  @Test
  void push_withListener_reportsEachGroupsNewVersion() {
    RecordingListener listener = new RecordingListener();
    store.addListener(listener);

    store.push(List.of(grad("b", 1f, 1f, 1f), grad("a", 1f, 1f)));
    store.push(List.of(grad("a", 1f, 1f)));

    assertThat(listener.events).containsExactly("advanced b@1", "advanced a@1", "advanced a@2");
  }

  @Test
  void delete_withListener_reportsEachDeletedGroup() {
    RecordingListener listener = new RecordingListener();
    store.addListener(listener);

    store.delete(List.of("b", "a"));

    assertThat(listener.events).containsExactlyInAnyOrder("deleted a", "deleted b");
  }

  @Test
  void removeListener_afterRemoval_receivesNothing() {
    RecordingListener listener = new RecordingListener();
    store.addListener(listener);
    store.removeListener(listener);

    store.push(List.of(grad("a", 1f, 1f)));
    store.delete(List.of("a"));

    assertThat(listener.events).isEmpty();
  }

  private static class RecordingListener implements VersionListener {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void versionAdvanced(String group, long version) {
      events.add("advanced " + group + "@" + version);
    }

    @Override
    public void deleted(String group) {
      events.add("deleted " + group);
    }
  }

  private static class RecordingVisitor implements SnapshotVisitor {
    final List<String> events = new ArrayList<>();
    final List<float[]> values = new ArrayList<>();

    @Override
    public void group(GroupMetadata group, float[] values) {
      events.add("group " + group.name() + "@" + group.version());
      this.values.add(values.clone());
    }

    @Override
    public void notModified(GroupMetadata group) {
      events.add("notModified " + group.name() + "@" + group.version());
    }
  }
}
