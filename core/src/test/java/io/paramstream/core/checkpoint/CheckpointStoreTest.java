package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StoreState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CheckpointStoreTest {

  @TempDir Path dir;

  private static StoreState sample(long seed) {
    Random random = new Random(seed);
    float[] big = new float[40_000]; // spans several write blocks
    for (int i = 0; i < big.length; i++) {
      big[i] = random.nextFloat() - 0.5f;
    }
    return new StoreState(
        List.of(
            new GroupState("bias", false, 7, new Hyperparameters(0.5, 0.0), new float[] {1, -2}),
            new GroupState("w\u00e9ight", true, 12345, new Hyperparameters(0.01, 1e-4), big)),
        Map.of("worker-a", 41L, "worker-b", 3L));
  }

  private static void assertSameState(StoreState actual, StoreState expected) {
    assertThat(actual.lastSequences()).isEqualTo(expected.lastSequences());
    assertThat(actual.groups()).hasSameSizeAs(expected.groups());
    for (int i = 0; i < expected.groups().size(); i++) {
      GroupState a = actual.groups().get(i);
      GroupState e = expected.groups().get(i);
      assertThat(a.name()).isEqualTo(e.name());
      assertThat(a.weightDecay()).isEqualTo(e.weightDecay());
      assertThat(a.version()).isEqualTo(e.version());
      assertThat(a.hyperparameters()).isEqualTo(e.hyperparameters());
      assertThat(a.values()).containsExactly(e.values());
    }
  }

  private static byte[] encode(StoreState state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CheckpointFormat.write(state, out);
    return out.toByteArray();
  }

  private static StoreState decode(byte[] bytes) throws IOException {
    return CheckpointFormat.read(() -> new ByteArrayInputStream(bytes), bytes.length);
  }

  @Test
  void write_thenRestore_returnsSameStateBitForBit() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    StoreState state = sample(1);
    Path file = store.write(state);

    CheckpointStore.Restored restored = new CheckpointStore(dir, 3).restoreNewest().orElseThrow();

    assertThat(restored.file()).isEqualTo(file);
    assertThat(restored.skipped()).isEmpty();
    assertSameState(restored.state(), state);
  }

  @Test
  void write_keepsOnlyNewestK_andNoTemporaryFiles() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    for (int i = 0; i < 5; i++) {
      store.write(sample(i));
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted())
          .containsExactly(
              "checkpoint-00000000000000000004.psck", "checkpoint-00000000000000000005.psck");
    }
  }

  @Test
  void restart_continuesNumberingAfterExistingFiles() throws IOException {
    new CheckpointStore(dir, 5).write(sample(1));
    Path second = new CheckpointStore(dir, 5).write(sample(2));
    assertThat(second.getFileName().toString()).isEqualTo("checkpoint-00000000000000000002.psck");
  }

  @Test
  void restore_newestCorrupted_fallsBackToPreviousAndReportsIt() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    StoreState good = sample(1);
    store.write(good);
    Path newest = store.write(sample(2));
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(newest, bytes);

    CheckpointStore.Restored restored = store.restoreNewest().orElseThrow();

    assertThat(restored.skipped())
        .extracting(CheckpointStore.Skipped::file)
        .containsExactly(newest);
    assertThat(restored.skipped().get(0).reason()).contains("checksum");
    assertSameState(restored.state(), good);
  }

  @Test
  void restore_tornNewest_fallsBack() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    StoreState good = sample(1);
    store.write(good);
    Path newest = store.write(sample(2));
    byte[] bytes = Files.readAllBytes(newest);
    Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 3));

    assertSameState(store.restoreNewest().orElseThrow().state(), good);
  }

  @Test
  void restore_onlyGarbage_isEmpty() throws IOException {
    Files.write(dir.resolve("checkpoint-00000000000000000001.psck"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("checkpoint-00000000000000000002.psck"), new byte[4096]);
    CheckpointStore store = new CheckpointStore(dir, 3);
    assertThat(store.restoreNewest()).isEmpty();
  }

  @Test
  void constructor_removesLeftoverTemporaryFile() throws IOException {
    Path temp = dir.resolve("checkpoint-00000000000000000009.psck.tmp");
    Files.write(temp, new byte[] {1});
    new CheckpointStore(dir, 1);
    assertThat(temp).doesNotExist();
  }

  @Test
  void read_everySingleBitFlipInSmallFile_isRefused() throws IOException {
    StoreState state =
        new StoreState(
            List.of(new GroupState("g", true, 3, new Hyperparameters(0.1, 0.2), new float[] {1})),
            Map.of("w", 9L));
    byte[] bytes = encode(state);
    for (int i = 0; i < bytes.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] corrupted = bytes.clone();
        corrupted[i] ^= (byte) (1 << bit);
        int at = i;
        assertThatThrownBy(() -> decode(corrupted))
            .as("flip of bit %d in byte %d", bit, at)
            .isInstanceOf(CorruptCheckpointException.class);
      }
    }
  }

  @Test
  void read_everyTruncation_isRefused() throws IOException {
    byte[] bytes = encode(sample(3));
    for (int length = 0; length < bytes.length; length += 997) {
      byte[] torn = java.util.Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> decode(torn)).isInstanceOf(CorruptCheckpointException.class);
    }
  }

  @Test
  void read_unknownSection_isSkipped() throws IOException {
    // A later writer adds a section (say, optimizer state) this reader does not know.
    StoreState state = sample(4);
    byte[] original = encode(state);
    java.nio.ByteBuffer body = java.nio.ByteBuffer.wrap(original, 0, original.length - 8);
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(original.length + 12 + 5);
    out.putInt(body.getInt()).putInt(body.getInt()).putInt(body.getInt() + 1);
    out.put(original, 12, original.length - 8 - 12);
    out.putInt(99).putLong(5).put(new byte[] {1, 2, 3, 4, 5});
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(out.array(), 0, out.position());
    out.putInt((int) crc.getValue()).putInt(CheckpointFormat.END_MAGIC);

    assertSameState(decode(out.array()), state);
  }
}
