package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.CheckpointCut;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupState;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.StoreState;
import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableCheckpoint;
import io.paramstream.core.table.TableMetadata;
import io.paramstream.core.table.TableSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sparse tables in checkpoint files: a store of groups and tables comes back bit for bit and keeps
 * training the same, with exactly-once pushes still exactly once; a file holds only what was there
 * at the cut; files written before tables existed still load; corruption is refused.
 */
@Timeout(30)
class TableCheckpointRoundTripTest {

  private static final Hyperparameters HP = new Hyperparameters(0.05, 0.01);
  private static final int DIM = 5;

  /** Groups and tables of every kind and optimizer, trained by mixed exactly-once pushes. */
  private static GroupStore trainedStore() {
    GroupStore store = new GroupStore(HP);
    store.create("dense", new float[] {1, 2, 3}, true, null, Optimizer.adam(0.9, 0.999, 1e-8));
    store
        .tables()
        .createIndexed(
            new TableSpec(
                "items",
                DIM,
                true,
                null,
                Optimizer.sgd(0.9, 0.1, false),
                RowInitializer.uniform(0.5, 11)),
            20,
            3,
            4);
    store
        .tables()
        .createKeyed(
            new TableSpec(
                "users",
                DIM,
                false,
                new Hyperparameters(0.01, 0),
                Optimizer.adamW(0.8, 0.99, 1e-6),
                RowInitializer.normal(0.2, 12)),
            1000);
    store
        .tables()
        .createKeyed(
            new TableSpec("plain", DIM, true, null, Optimizer.sgd(), RowInitializer.zeros()),
            Long.MAX_VALUE);
    SplittableRandom random = new SplittableRandom(5);
    for (long sequence = 1; sequence <= 25; sequence++) {
      store.push("w1", sequence, List.of(dense(random)), tableParts(random));
    }
    return store;
  }

  private static GroupGradient dense(SplittableRandom random) {
    return new GroupGradient("dense", gradient(random, 3));
  }

  private static List<RowGradient> tableParts(SplittableRandom random) {
    List<RowGradient> parts = new ArrayList<>();
    long[] items = {random.nextInt(20), random.nextInt(20), random.nextInt(20)};
    parts.add(new RowGradient("items", items, gradient(random, 3 * DIM)));
    long[] users = {random.nextLong(), random.nextInt(8) - 4L};
    parts.add(new RowGradient("users", users, gradient(random, 2 * DIM)));
    parts.add(new RowGradient("plain", new long[] {random.nextInt(50)}, gradient(random, DIM)));
    return parts;
  }

  private static float[] gradient(SplittableRandom random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  static byte[] checkpoint(GroupStore store) throws IOException {
    try (CheckpointCut cut = store.beginCheckpoint()) {
      return CheckpointCutConsistencyTest.write(cut);
    }
  }

  static GroupStore restore(byte[] file) throws IOException {
    GroupStore restored = new GroupStore(HP);
    restored.importState(CheckpointCutConsistencyTest.read(file));
    return restored;
  }

  /** A table's whole encoding: settings, counters, ids, rows and optimizer state, bit for bit. */
  static byte[] tableBytes(GroupStore store, String table) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TableCheckpoint.write(store.tables().store().table(table), out);
    return out.toByteArray();
  }

  private static void assertSameTables(GroupStore expected, GroupStore actual) throws IOException {
    assertThat(actual.tables().list(List.of())).isEqualTo(expected.tables().list(List.of()));
    for (TableMetadata table : expected.tables().list(List.of())) {
      assertThat(tableBytes(actual, table.name()))
          .as("table %s", table.name())
          .isEqualTo(tableBytes(expected, table.name()));
    }
  }

  @Test
  void roundTrip_groupsAndTables_bitIdentical_andTrainsOnTheSame() throws IOException {
    GroupStore original = trainedStore();
    byte[] file = checkpoint(original);

    GroupStore restored = restore(file);

    assertSameTables(original, restored);
    assertThat(restored.tables().list(List.of("items")).get(0))
        .satisfies(
            t -> {
              assertThat(t.idOffset()).isEqualTo(3);
              assertThat(t.idStride()).isEqualTo(4);
              assertThat(t.version()).isEqualTo(25);
            });
    assertThat(restored.snapshot(List.of("dense")).get("dense"))
        .isEqualTo(original.snapshot(List.of("dense")).get("dense"));
    assertThat(checkpoint(restored)).isEqualTo(file);

    // Adam's step count, momentum buffers and keyed row numbers came back: the same pushes give
    // the same bits, new keyed rows included.
    SplittableRandom a = new SplittableRandom(9);
    SplittableRandom b = new SplittableRandom(9);
    for (long sequence = 26; sequence <= 30; sequence++) {
      original.push("w1", sequence, List.of(dense(a)), tableParts(a));
      restored.push("w1", sequence, List.of(dense(b)), tableParts(b));
    }
    assertSameTables(original, restored);
    assertThat(checkpoint(restored)).isEqualTo(checkpoint(original));
  }

  @Test
  void restore_resentPush_isDuplicate_andChangesNoTable() throws IOException {
    GroupStore restored = restore(checkpoint(trainedStore()));
    byte[] before = checkpoint(restored);

    var outcome =
        restored.push(
            "w1", 25, List.of(dense(new SplittableRandom(1))), tableParts(new SplittableRandom(1)));

    assertThat(outcome.duplicate()).isTrue();
    assertThat(outcome.tableVersions()).allSatisfy(v -> assertThat(v.version()).isEqualTo(25));
    assertThat(checkpoint(restored)).isEqualTo(before);
  }

  @Test
  void checkpoint_keyedRowsCreatedAfterTheCut_areNotInIt() throws IOException {
    GroupStore store = trainedStore();
    long rowsAtCut = store.tables().list(List.of("plain")).get(0).rows();
    float[] unseen =
        store
            .tables()
            .read(List.of(new RowSelection("plain", new long[] {777}, -1)))
            .get(0)
            .values();
    byte[] file;
    try (CheckpointCut cut = store.beginCheckpoint()) {
      store.push(
          null,
          0,
          List.of(),
          List.of(new RowGradient("plain", new long[] {777, 778}, new float[2 * DIM])));
      file = CheckpointCutConsistencyTest.write(cut);
    }

    GroupStore restored = restore(file);

    assertThat(store.tables().list(List.of("plain")).get(0).rows()).isEqualTo(rowsAtCut + 2);
    assertThat(restored.tables().list(List.of("plain")).get(0).rows()).isEqualTo(rowsAtCut);
    assertThat(restored.tables().list(List.of("plain")).get(0).version()).isEqualTo(25);
    assertThat(
            restored
                .tables()
                .read(List.of(new RowSelection("plain", new long[] {777}, -1)))
                .get(0)
                .values())
        .isEqualTo(unseen);
  }

  @Test
  void write_fileWithoutTables_isFormat2_withTables_isFormat3() throws IOException {
    GroupStore groupsOnly = new GroupStore(HP);
    groupsOnly.create("g", new float[] {1}, false, null);

    assertThat(formatVersion(checkpoint(groupsOnly))).isEqualTo(2);
    assertThat(formatVersion(checkpoint(trainedStore()))).isEqualTo(3);
  }

  private static int formatVersion(byte[] file) {
    return ByteBuffer.wrap(file).getInt(4);
  }

  /**
   * {@code checkpoints/format-2-groups-only.psck} was written by the code before tables existed
   * from the store this builds again: three groups (Adam, Nesterov momentum, plain SGD) after three
   * pushes of worker-1.
   */
  @Test
  void read_format2FileFromBeforeTables_loadsItsGroupsAndSequences() throws IOException {
    byte[] file;
    try (InputStream in =
        getClass().getResourceAsStream("/checkpoints/format-2-groups-only.psck")) {
      file = in.readAllBytes();
    }
    GroupStore expected = new GroupStore(new Hyperparameters(0.1, 0.01));
    float[] init = new float[8];
    for (int i = 0; i < 8; i++) {
      init[i] = 0.25f * i - 1;
    }
    expected.create("adam", init.clone(), true, null, Optimizer.adam(0.9, 0.999, 1e-8));
    expected.create("momentum", init.clone(), false, null, Optimizer.sgd(0.9, 0, true));
    expected.create("plain", init.clone(), true, null);
    for (long s = 1; s <= 3; s++) {
      List<GroupGradient> gradients = new ArrayList<>();
      for (String name : List.of("adam", "momentum", "plain")) {
        float[] v = new float[8];
        for (int i = 0; i < 8; i++) {
          v[i] = (float) Math.sin(s + i + name.length());
        }
        gradients.add(new GroupGradient(name, v));
      }
      expected.push("worker-1", s, gradients);
    }

    StoreState state = CheckpointCutConsistencyTest.read(file);
    GroupStore restored = new GroupStore(new Hyperparameters(0.1, 0.01));
    restored.importState(state);

    assertThat(formatVersion(file)).isEqualTo(2);
    assertThat(state.tables()).isEmpty();
    assertThat(state.lastSequences()).containsExactlyEntriesOf(java.util.Map.of("worker-1", 3L));
    StoreState want = expected.exportState();
    for (int g = 0; g < 3; g++) {
      GroupState got = state.groups().get(g);
      assertThat(got.name()).isEqualTo(want.groups().get(g).name());
      assertThat(got.values()).isEqualTo(want.groups().get(g).values());
      assertThat(got.optimizer().steps()).isEqualTo(want.groups().get(g).optimizer().steps());
      assertThat(got.optimizer().firstMoment())
          .isEqualTo(want.groups().get(g).optimizer().firstMoment());
      assertThat(got.optimizer().secondMoment())
          .isEqualTo(want.groups().get(g).optimizer().secondMoment());
    }
    assertThat(restored.tables().list(List.of())).isEmpty();
    assertThat(checkpoint(restored)).isEqualTo(file);
  }

  @Test
  void read_flippedByteInATable_refused_andNothingLoaded() throws IOException {
    GroupStore store = trainedStore();
    byte[] file = checkpoint(store);
    int tableBytes = tableBytes(store, "users").length;
    byte[] corrupt = file.clone();
    // "users" is the last table; after it come the sequences (30 bytes) and the trailer (8).
    corrupt[file.length - 8 - 30 - tableBytes / 2] ^= 0x10;

    assertThatThrownBy(() -> CheckpointCutConsistencyTest.read(corrupt))
        .isInstanceOf(CorruptCheckpointException.class)
        .hasMessageContaining("checksum");
  }
}
