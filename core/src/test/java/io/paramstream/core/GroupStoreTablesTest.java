package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowLimitException;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableCheckpoint;
import io.paramstream.core.table.TableMetadata;
import io.paramstream.core.table.TableRows;
import io.paramstream.core.table.TableSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tables inside a {@link GroupStore}: creation, limits, mixed pushes of groups and tables applied
 * all or nothing, de-duplication across both, reads and hyperparameters.
 */
@Timeout(30)
class GroupStoreTablesTest {

  private static final Hyperparameters LR_ONE = new Hyperparameters(1.0, 0.0);
  private static final int DIM = 4;

  private final GroupStore store = new GroupStore(LR_ONE);

  private static float[] rows(float value, int count) {
    float[] gradient = new float[count * DIM];
    java.util.Arrays.fill(gradient, value);
    return gradient;
  }

  private void createGroupAndTables() {
    store.create("g", new float[] {10, 20, 30}, false, null);
    store
        .tables()
        .createIndexed(
            new TableSpec("items", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
            8,
            0,
            1);
    store
        .tables()
        .createKeyed(
            new TableSpec("users", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()), 3);
  }

  private float[] readRows(String table, long... ids) {
    return store
        .tables()
        .read(List.of(new RowSelection(table, ids, RowSelection.ANY_VERSION)))
        .get(0)
        .values();
  }

  private void assertNothingChanged() {
    assertThat(store.snapshot(List.of("g")).get("g")).containsExactly(10, 20, 30);
    assertThat(store.tables().list(List.of()))
        .extracting(TableMetadata::version)
        .containsExactly(0L, 0L);
    assertThat(store.tables().list(List.of("users")).get(0).rows()).isZero();
    assertThat(readRows("items", 0, 1, 7)).containsOnly(0f);
  }

  @Test
  void push_groupsAndTables_appliedTogetherWithVersions() {
    createGroupAndTables();

    PushOutcome outcome =
        store.push(
            "w",
            1,
            List.of(new GroupGradient("g", new float[] {1, 1, 1})),
            List.of(
                new RowGradient("items", new long[] {2, 2}, rows(1, 2)),
                new RowGradient("users", new long[] {-5}, rows(3, 1))));

    assertThat(outcome.duplicate()).isFalse();
    assertThat(outcome.versions()).containsExactly(new GroupVersion("g", 1));
    assertThat(outcome.tableVersions())
        .containsExactly(new GroupVersion("items", 1), new GroupVersion("users", 1));
    assertThat(store.snapshot(List.of("g")).get("g")).containsExactly(9, 19, 29);
    assertThat(readRows("items", 2, 3)).containsExactly(-2, -2, -2, -2, 0, 0, 0, 0);
    assertThat(readRows("users", -5)).containsExactly(-3, -3, -3, -3);
  }

  @Test
  void push_tablePartNonFinite_groupsUnchanged() {
    createGroupAndTables();
    float[] bad = rows(1, 1);
    bad[2] = Float.NaN;

    assertThatThrownBy(
            () ->
                store.push(
                    "w",
                    1,
                    List.of(new GroupGradient("g", new float[] {1, 1, 1})),
                    List.of(
                        new RowGradient("items", new long[] {1}, rows(1, 1)),
                        new RowGradient("users", new long[] {4}, bad))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("users")
        .hasMessageContaining("NaN");
    assertNothingChanged();
  }

  @Test
  void push_duplicateRowsSumToInfinity_groupsAndOtherTablesUnchanged() {
    createGroupAndTables();

    // Each row is finite; their sum, found only under the table's lock, is not.
    assertThatThrownBy(
            () ->
                store.push(
                    null,
                    0,
                    List.of(new GroupGradient("g", new float[] {1, 1, 1})),
                    List.of(
                        new RowGradient("items", new long[] {1}, rows(1, 1)),
                        new RowGradient("users", new long[] {4, 4}, rows(Float.MAX_VALUE, 2)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate id 4");
    assertNothingChanged();
  }

  @Test
  void push_badGroupPart_tablesUnchanged() {
    createGroupAndTables();

    assertThatThrownBy(
            () ->
                store.push(
                    "w",
                    1,
                    List.of(new GroupGradient("g", new float[] {1, 1})),
                    List.of(new RowGradient("users", new long[] {1}, rows(1, 1)))))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT));
    assertNothingChanged();
    // The failed push did not use up its sequence.
    assertThat(
            store
                .push(
                    "w",
                    1,
                    List.of(),
                    List.of(new RowGradient("users", new long[] {1}, rows(1, 1))))
                .duplicate())
        .isFalse();
  }

  @Test
  void push_unknownTableOrIndexOutOfRange_refusedAndNothingChanged() {
    createGroupAndTables();
    List<GroupGradient> group = List.of(new GroupGradient("g", new float[] {1, 1, 1}));

    assertThatThrownBy(
            () ->
                store.push(
                    null, 0, group, List.of(new RowGradient("nope", new long[] {1}, rows(1, 1)))))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND))
        .hasMessageContaining("nope");
    assertThatThrownBy(
            () ->
                store.push(
                    null, 0, group, List.of(new RowGradient("items", new long[] {8}, rows(1, 1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index 8");
    assertThatThrownBy(
            () ->
                store.push(
                    null, 0, group, List.of(new RowGradient("items", new long[] {1}, rows(1, 2)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("items");
    assertNothingChanged();
  }

  @Test
  void push_pastKeyedRowLimit_rowLimitExceptionAndNothingChanged() {
    createGroupAndTables();

    assertThatThrownBy(
            () ->
                store.push(
                    "w",
                    1,
                    List.of(new GroupGradient("g", new float[] {1, 1, 1})),
                    List.of(new RowGradient("users", new long[] {1, 2, 3, 4}, rows(1, 4)))))
        .isInstanceOf(RowLimitException.class)
        .hasMessageContaining("limited to 3 rows");
    assertNothingChanged();
  }

  @Test
  void push_sameSequenceTwice_appliedOnceAcrossGroupsAndTables() {
    createGroupAndTables();
    List<GroupGradient> group = List.of(new GroupGradient("g", new float[] {1, 1, 1}));
    List<RowGradient> table = List.of(new RowGradient("users", new long[] {9}, rows(1, 1)));

    store.push("w", 1, group, table);
    PushOutcome retry = store.push("w", 1, group, table);
    PushOutcome tableOnlyRetry = store.push("w", 1, List.of(), table);

    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.versions()).containsExactly(new GroupVersion("g", 1));
    assertThat(retry.tableVersions()).containsExactly(new GroupVersion("users", 1));
    assertThat(tableOnlyRetry.duplicate()).isTrue();
    assertThat(store.snapshot(List.of("g")).get("g")).containsExactly(9, 19, 29);
    assertThat(readRows("users", 9)).containsOnly(-1f);
  }

  @Test
  void push_nothingAtAll_invalidArgument() {
    assertThatThrownBy(() -> store.push("w", 1, List.of(), List.of()))
        .isInstanceOf(GroupStoreException.class)
        .hasMessageContaining("at least one gradient");
  }

  @Test
  void createIndexed_pastMaxParameterBytes_resourceExhaustedNamingLimit() {
    GroupStore limited = new GroupStore(LR_ONE, new StoreLimits(10, 1000));
    limited.create("g", new float[100], false, null); // 400 bytes

    // 10 rows x 4 floats x 4 bytes x 2 arrays (momentum) = 320 bytes: fits.
    limited
        .tables()
        .createIndexed(
            new TableSpec(
                "a", DIM, false, null, Optimizer.sgd(0.9, 0, false), RowInitializer.zeros()),
            10,
            0,
            1);
    assertThat(limited.parameterBytes()).isEqualTo(720);
    assertThatThrownBy(
            () ->
                limited
                    .tables()
                    .createIndexed(
                        new TableSpec(
                            "b", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
                        20,
                        0,
                        1))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED))
        .hasMessageContaining("--max-parameter-bytes")
        .hasMessageContaining("1000");
    assertThat(limited.tables().list(List.of()))
        .extracting(TableMetadata::name)
        .containsExactly("a");
    assertThat(limited.parameterBytes()).isEqualTo(720);

    limited.tables().delete(List.of("a"));
    assertThat(limited.parameterBytes()).isEqualTo(400);
  }

  @Test
  void push_newKeyedRowsPastMaxParameterBytes_resourceExhaustedAndNothingChanged() {
    GroupStore limited = new GroupStore(LR_ONE, new StoreLimits(10, 100));
    limited.create("g", new float[] {1}, false, null); // 4 bytes
    limited
        .tables()
        .createKeyed(
            new TableSpec("users", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
            Long.MAX_VALUE);
    // 16 bytes a row: 6 rows fit in the 96 bytes left, 7 do not.
    List<GroupGradient> group = List.of(new GroupGradient("g", new float[] {1}));

    assertThatThrownBy(
            () ->
                limited.push(
                    "w",
                    1,
                    group,
                    List.of(
                        new RowGradient("users", new long[] {1, 2, 3, 4, 5, 6, 7}, rows(1, 7)))))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED))
        .hasMessageContaining("--max-parameter-bytes");
    assertThat(limited.snapshot(List.of("g")).get("g")).containsExactly(1);
    assertThat(limited.tables().list(List.of()).get(0).rows()).isZero();

    limited.push(
        "w",
        1,
        group,
        List.of(new RowGradient("users", new long[] {1, 2, 3, 4, 5, 6}, rows(1, 6))));
    assertThat(limited.parameterBytes()).isEqualTo(100);
    // Rows already there cost nothing more.
    limited.push("w", 2, List.of(), List.of(new RowGradient("users", new long[] {1}, rows(1, 1))));
    assertThat(limited.tables().list(List.of()).get(0).storedBytes()).isEqualTo(96);
  }

  @Test
  void createIndexed_largerThanTheHeap_resourceExhaustedBeforeAllocating() {
    assertThatThrownBy(
            () ->
                store
                    .tables()
                    .createIndexed(
                        new TableSpec(
                            "huge", 1 << 20, false, null, Optimizer.sgd(), RowInitializer.zeros()),
                        GroupStore.MAX_GROUP_SIZE,
                        0,
                        1))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED))
        .hasMessageContaining("whole heap");
    assertThat(store.tables().list(List.of())).isEmpty();
    assertThat(store.parameterBytes()).isZero();
  }

  @Test
  void createIndexed_badFields_invalidNamingThem() {
    assertThatThrownBy(
            () ->
                store
                    .tables()
                    .createIndexed(
                        new TableSpec(
                            "t", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
                        0,
                        0,
                        1))
        .hasMessageContaining("got 0");
    assertThatThrownBy(
            () ->
                store
                    .tables()
                    .createKeyed(
                        new TableSpec("t", 0, false, null, Optimizer.sgd(), RowInitializer.zeros()),
                        5))
        .hasMessageContaining("dim")
        .hasMessageContaining("got 0");
    assertThatThrownBy(
            () ->
                store
                    .tables()
                    .createKeyed(
                        new TableSpec(
                            "", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
                        5))
        .hasMessageContaining("table name must not be empty");
    assertThat(store.tables().list(List.of())).isEmpty();
  }

  @Test
  void create_takenName_alreadyExists() {
    createGroupAndTables();

    assertThatThrownBy(
            () ->
                store
                    .tables()
                    .createKeyed(
                        new TableSpec(
                            "items", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()),
                        5))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.ALREADY_EXISTS));
    // Tables and groups have separate names.
    store
        .tables()
        .createKeyed(
            new TableSpec("g", DIM, false, null, Optimizer.sgd(), RowInitializer.zeros()), 5);
  }

  @Test
  void createIndexed_idOffsetAndStride_rowsStartAsTheWholeTablesRows() {
    RowInitializer init = RowInitializer.uniform(1, 42);
    store
        .tables()
        .createIndexed(new TableSpec("shard", DIM, false, null, Optimizer.sgd(), init), 5, 3, 2);
    store
        .tables()
        .createKeyed(
            new TableSpec("whole", DIM, false, null, Optimizer.sgd(), init), Long.MAX_VALUE);

    TableMetadata shard = store.tables().list(List.of("shard")).get(0);
    assertThat(shard.idOffset()).isEqualTo(3);
    assertThat(shard.idStride()).isEqualTo(2);
    assertThat(readRows("shard", 0, 4)).containsExactly(readRows("whole", 3, 11));
  }

  @Test
  void delete_oneUnknown_deletesNothing() {
    createGroupAndTables();

    assertThatThrownBy(() -> store.tables().delete(List.of("items", "nope")))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.NOT_FOUND))
        .hasMessageContaining("nope");
    assertThat(store.tables().list(List.of())).hasSize(2);

    store.tables().delete(List.of("items"));
    assertThatThrownBy(
            () -> store.tables().read(List.of(new RowSelection("items", new long[] {0}, -1))))
        .isInstanceOf(GroupStoreException.class);
    assertThat(store.tables().list(List.of()))
        .extracting(TableMetadata::name)
        .containsExactly("users");
  }

  @Test
  void readRows_ifNewerThan_notModifiedUntilAPush() {
    createGroupAndTables();

    TableRows unchanged =
        store.tables().read(List.of(new RowSelection("users", new long[] {1}, 0))).get(0);
    assertThat(unchanged.notModified()).isTrue();
    assertThat(unchanged.values()).isEmpty();

    store.push(null, 0, List.of(), List.of(new RowGradient("users", new long[] {1}, rows(2, 1))));
    TableRows changed =
        store.tables().read(List.of(new RowSelection("users", new long[] {1, 1}, 0))).get(0);
    assertThat(changed.notModified()).isFalse();
    assertThat(changed.version()).isEqualTo(1);
    assertThat(changed.values()).containsOnly(-2f).hasSize(2 * DIM);
  }

  @Test
  void setHyperparameters_unknownTable_changesNoGroup() {
    createGroupAndTables();

    assertThatThrownBy(
            () ->
                store.setHyperparameters(
                    List.of("g"), List.of("items", "nope"), HyperparameterChange.learningRate(0.5)))
        .isInstanceOf(GroupStoreException.class)
        .hasMessageContaining("nope");
    assertThat(store.list(List.of("g")).get(0).hyperparameters()).isEqualTo(LR_ONE);
    assertThat(store.tables().list(List.of("items")).get(0).hyperparameters()).isEqualTo(LR_ONE);

    HyperparametersSet all =
        store.setHyperparameters(List.of(), List.of(), HyperparameterChange.learningRate(0.5));
    assertThat(all.groups()).hasSize(1);
    assertThat(all.tables())
        .extracting(t -> t.hyperparameters().learningRate())
        .containsExactly(0.5, 0.5);

    HyperparametersSet onlyTable =
        store.setHyperparameters(List.of(), List.of("users"), HyperparameterChange.learningRate(2));
    assertThat(onlyTable.groups()).isEmpty();
    assertThat(onlyTable.tables()).extracting(TableMetadata::name).containsExactly("users");
    assertThat(store.list(List.of("g")).get(0).hyperparameters().learningRate()).isEqualTo(0.5);
  }

  @Test
  void restore_countsItsBytesAgainstTheLimit() throws Exception {
    createGroupAndTables();
    store.push(
        null, 0, List.of(), List.of(new RowGradient("users", new long[] {1, 2}, rows(1, 2))));
    ByteArrayOutputStream saved = new ByteArrayOutputStream();
    TableCheckpoint.write(store.tables().store().table("users"), saved);

    GroupStore roomy = new GroupStore(LR_ONE, new StoreLimits(10, 40));
    TableMetadata restored = roomy.tables().restore(new ByteArrayInputStream(saved.toByteArray()));
    GroupStore tight = new GroupStore(LR_ONE, new StoreLimits(10, 20));

    assertThat(restored.rows()).isEqualTo(2);
    assertThat(roomy.parameterBytes()).isEqualTo(32);
    assertThatThrownBy(() -> tight.tables().restore(new ByteArrayInputStream(saved.toByteArray())))
        .hasMessageContaining("--max-parameter-bytes");
    assertThat(tight.tables().list(List.of())).isEmpty();
    assertThat(tight.parameterBytes()).isZero();
    roomy.tables().delete(List.of("users"));
    assertThat(roomy.parameterBytes()).isZero();
  }

  @Test
  void beginCheckpoint_withTables_stillCutsGroups() throws Exception {
    createGroupAndTables();
    store.push(null, 0, List.of(), List.of(new RowGradient("users", new long[] {1}, rows(2, 1))));

    try (CheckpointCut cut = store.beginCheckpoint()) {
      assertThat(cut.groups()).extracting(GroupHeader::name).containsExactly("g");
    }
  }
}
