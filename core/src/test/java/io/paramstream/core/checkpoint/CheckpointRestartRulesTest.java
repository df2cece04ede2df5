package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.StoreState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a start does with the files it finds: a model is never silently lost. */
@Timeout(30)
class CheckpointRestartRulesTest {

  @TempDir Path dir;

  private static StoreState state(long version) {
    return new StoreState(
        List.of(new GroupState("g", false, version, new Hyperparameters(0.1, 0), new float[] {1})),
        Map.of("w", version));
  }

  private Path garbage(long sequence) throws IOException {
    Path file = dir.resolve(String.format("checkpoint-%020d.psck", sequence));
    Files.write(file, new byte[] {1, 2, 3, 4});
    return file;
  }

  private static List<StoreState> loads(CheckpointStore.Restore restore) {
    return restore.restored().stream().map(CheckpointStore.Restored::state).toList();
  }

  @Test
  void restore_newerCorrupt_loadsOlder_setsNewerAside_andNumbersAboveIt() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 1);
    Path good = store.write(state(4));
    Path bad = garbage(9);
    List<StoreState> loaded = new ArrayList<>();

    CheckpointStore.Restore restore = new CheckpointStore(dir, 1).restore(loaded::add, false);

    assertThat(restore.restored().orElseThrow().file()).isEqualTo(good);
    assertThat(loaded)
        .singleElement()
        .satisfies(s -> assertThat(s.lastSequences()).containsEntry("w", 4L));
    assertThat(restore.unloadable())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.file()).isEqualTo(bad);
              assertThat(s.reason()).contains("too short");
            });
    Path aside = dir.resolve(bad.getFileName() + ".unloadable");
    assertThat(restore.setAside()).containsExactly(aside);
    assertThat(aside).exists();
    assertThat(bad).doesNotExist();

    // Next checkpoint sorts after the set-aside one; rotation (keep 1) leaves that one alone.
    Path next = new CheckpointStore(dir, 1).write(state(5));
    assertThat(next.getFileName().toString()).isEqualTo("checkpoint-00000000000000000010.psck");
    assertThat(aside).exists();
    assertThat(good).doesNotExist();
  }

  @Test
  void restore_noFileLoads_refusesAndChangesNothing() throws IOException {
    Path first = garbage(1);
    Path second = garbage(2);

    assertThatThrownBy(() -> new CheckpointStore(dir, 3).restore(s -> {}, false))
        .isInstanceOfSatisfying(
            NoLoadableCheckpointException.class,
            e ->
                assertThat(e.files())
                    .extracting(CheckpointStore.Skipped::file)
                    .containsExactly(second, first));
    assertThat(first).exists();
    assertThat(second).exists();
  }

  @Test
  void restore_loaderRefuses_countsAsUnloadable() throws IOException {
    new CheckpointStore(dir, 3).write(state(1));

    assertThatThrownBy(
            () ->
                new CheckpointStore(dir, 3)
                    .restore(
                        s -> {
                          throw new IllegalArgumentException("over the server's limits");
                        },
                        false))
        .isInstanceOfSatisfying(
            NoLoadableCheckpointException.class,
            e -> assertThat(e.files().get(0).reason()).contains("over the server's limits"));
  }

  @Test
  void restore_noFileLoads_withEmptyStartAllowed_setsAllAside() throws IOException {
    Path first = garbage(1);
    Path second = garbage(2);

    CheckpointStore store = new CheckpointStore(dir, 3);
    CheckpointStore.Restore restore = store.restore(s -> {}, true);

    assertThat(loads(restore)).isEmpty();
    assertThat(restore.setAside())
        .containsExactly(
            dir.resolve(second.getFileName() + ".unloadable"),
            dir.resolve(first.getFileName() + ".unloadable"));
    assertThat(store.list()).isEmpty();
    assertThat(store.write(state(1)).getFileName().toString()).endsWith("00003.psck");
  }

  @Test
  void restore_emptyDirectory_startsEmptyWithoutComplaint() throws IOException {
    CheckpointStore.Restore restore = new CheckpointStore(dir, 3).restore(s -> {}, false);

    assertThat(restore.restored()).isEmpty();
    assertThat(restore.unloadable()).isEmpty();
  }

  @Test
  void oddNames_areIgnoredAndReported_notParsedNorDeleted() throws IOException {
    Path overflow = dir.resolve("checkpoint-99999999999999999999.psck");
    Path shortName = dir.resolve("checkpoint-12.psck");
    Path other = dir.resolve("notes.txt");
    for (Path file : List.of(overflow, shortName, other)) {
      Files.write(file, new byte[] {1});
    }
    CheckpointStore store = new CheckpointStore(dir, 1);
    store.write(state(1));
    store.write(state(2));

    CheckpointStore.Restore restore = new CheckpointStore(dir, 1).restore(s -> {}, false);

    assertThat(loads(restore))
        .singleElement()
        .satisfies(s -> assertThat(s.lastSequences()).containsEntry("w", 2L));
    assertThat(restore.ignored())
        .extracting(CheckpointStore.Skipped::file)
        .containsExactlyInAnyOrder(overflow, shortName, other);
    assertThat(restore.ignored())
        .filteredOn(s -> s.file().equals(overflow))
        .singleElement()
        .satisfies(s -> assertThat(s.reason()).contains("beyond"));
    assertThat(List.of(overflow, shortName, other)).allSatisfy(f -> assertThat(f).exists());
  }

  @Test
  void read_versionOneFile_stillLoads() throws IOException {
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("format-v1.psck")) {
      bytes = in.readAllBytes();
    }

    StoreState state = CheckpointCutConsistencyTest.read(bytes);

    assertThat(state.lastSequences()).isEqualTo(Map.of("w1", 7L));
    GroupState adam = state.groups().get(0);
    assertThat(adam.name()).isEqualTo("adam");
    assertThat(adam.version()).isOne();
    assertThat(adam.optimizer().optimizer().kind()).isEqualTo(Optimizer.Kind.ADAM);
    assertThat(adam.values()[0]).isEqualTo(0.99f);
    assertThat(adam.optimizer().firstMoment()[0]).isEqualTo(0.02f);
    assertThat(adam.optimizer().secondMoment()[2]).isEqualTo(3.6e-4f);
    assertThat(state.groups().get(1).values()).containsExactly(0.5f - 0.1f, -0.6f);
  }
}
