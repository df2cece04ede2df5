package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.CheckpointSource;
import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StoreState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class PacedOutputStreamTest {

  @TempDir Path dir;

  @Test
  void writesNoFasterThanItsRateAndPassesEveryByteOn() throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    byte[] block = new byte[64 * 1024];
    block[7] = 42;
    long start = System.nanoTime();
    // 2 MiB at 8 MiB/s: a quarter of a second at the least, however fast the sink.
    try (PacedOutputStream paced = new PacedOutputStream(sink, 8L << 20)) {
      for (int i = 0; i < 32; i++) {
        paced.write(block);
      }
      paced.write(1);
    }
    double seconds = (System.nanoTime() - start) / 1e9;

    assertThat(seconds).isGreaterThanOrEqualTo(0.24);
    assertThat(sink.size()).isEqualTo(32 * block.length + 1);
    assertThat(sink.toByteArray()[7]).isEqualTo((byte) 42);
    assertThat(sink.toByteArray()[32 * block.length]).isEqualTo((byte) 1);
  }

  @Test
  void anInterruptedWriterStopsWithInterruptedIoExceptionAndKeepsItsFlag() throws IOException {
    try (PacedOutputStream paced = new PacedOutputStream(new ByteArrayOutputStream(), 1024)) {
      Thread.currentThread().interrupt();
      assertThatThrownBy(() -> paced.write(new byte[64 * 1024]))
          .isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.interrupted()).isTrue();
    }
  }

  @Test
  void aPacedCheckpointIsTheSameFileAndANegativeRateIsRefused() throws IOException {
    float[] values = new float[300_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.25f;
    }
    StoreState state =
        new StoreState(
            List.of(new GroupState("w", true, 3, new Hyperparameters(0.1, 0.01), values)),
            Map.of("worker", 5L));
    CheckpointStore store = new CheckpointStore(dir, 2);

    long start = System.nanoTime();
    Path file = store.write(CheckpointSource.of(state), 4L << 20); // 1.2 MB at 4 MiB/s
    double seconds = (System.nanoTime() - start) / 1e9;

    assertThat(seconds).isGreaterThanOrEqualTo(0.25);
    StoreState restored =
        new CheckpointStore(dir, 2).restore(s -> {}, false).restored().get().state();
    assertThat(restored.groups().get(0).values()).isEqualTo(values);
    assertThat(restored.lastSequences()).isEqualTo(Map.of("worker", 5L));
    assertThat(file.getFileName().toString()).startsWith("checkpoint-");
    assertThatThrownBy(() -> store.write(CheckpointSource.of(state), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }
}
