package io.paramstream.core.checkpoint;

import io.paramstream.core.StoreState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoint files in one directory, named {@code checkpoint-<sequence>.psck} with a zero-padded
 * sequence so the newest sorts last.
 *
 * <p>A write never leaves a half-written file under a checkpoint name: it goes to a temporary file
 * that is fsynced, renamed atomically into place, and the directory is fsynced so the rename itself
 * survives a power cut. Only the newest {@code keep} checkpoints are kept. Writes are serialized by
 * this object's lock; one directory must have one writer.
 */
public final class CheckpointStore {

  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{20})\\.psck");
  private static final String TEMP_SUFFIX = ".tmp";

  private final Path directory;
  private final int keep;

  /** Guarded by this. Sequence of the next checkpoint written. */
  private long nextSequence;

  /** A checkpoint that was read back, and the newer ones that were refused on the way. */
  public record Restored(Path file, StoreState state, List<Skipped> skipped) {}

  /** A checkpoint file that could not be loaded, and why. */
  public record Skipped(Path file, String reason) {}

  /** Creates the directory if needed and removes temporary files left by an interrupted write. */
  public CheckpointStore(Path directory, int keep) throws IOException {
    if (keep < 1) {
      throw new IllegalArgumentException("must keep at least one checkpoint, got " + keep);
    }
    this.directory = Objects.requireNonNull(directory);
    this.keep = keep;
    Files.createDirectories(directory);
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + TEMP_SUFFIX)) {
      for (Path temp : stream) {
        Files.deleteIfExists(temp);
      }
    }
    List<Path> existing = list();
    nextSequence = existing.isEmpty() ? 1 : sequenceOf(existing.get(existing.size() - 1)) + 1;
  }

  public Path directory() {
    return directory;
  }

  /** Writes {@code state} as the newest checkpoint, then prunes old ones; returns its path. */
  public synchronized Path write(StoreState state) throws IOException {
    Path target = directory.resolve(String.format("checkpoint-%020d.psck", nextSequence));
    Path temp = directory.resolve(target.getFileName() + TEMP_SUFFIX);
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      OutputStream out = Channels.newOutputStream(channel);
      CheckpointFormat.write(state, out);
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory();
    nextSequence++;
    prune();
    return target;
  }

  /**
   * Reads the newest checkpoint that verifies, skipping (and reporting) newer ones that do not.
   * Empty when there is no loadable checkpoint.
   */
  public Optional<Restored> restoreNewest() throws IOException {
    List<Path> files = list();
    List<Skipped> skipped = new ArrayList<>();
    for (int i = files.size() - 1; i >= 0; i--) {
      Path file = files.get(i);
      try {
        StoreState state =
            CheckpointFormat.read(() -> Files.newInputStream(file), Files.size(file));
        return Optional.of(new Restored(file, state, skipped));
      } catch (CorruptCheckpointException e) {
        skipped.add(new Skipped(file, e.getMessage()));
      }
    }
    return Optional.empty();
  }

  /** Checkpoint files, oldest first. */
  public List<Path> list() throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        if (NAME.matcher(file.getFileName().toString()).matches()) {
          files.add(file);
        }
      }
    }
    files.sort(Comparator.comparingLong(CheckpointStore::sequenceOf));
    return files;
  }

  private void prune() throws IOException {
    List<Path> files = list();
    for (int i = 0; i < files.size() - keep; i++) {
      Files.deleteIfExists(files.get(i));
    }
  }

  private void syncDirectory() throws IOException {
    // Makes the rename durable; Linux allows fsync on a directory opened for reading.
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  private static long sequenceOf(Path file) {
    Matcher matcher = NAME.matcher(file.getFileName().toString());
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a checkpoint file name: " + file);
    }
    return Long.parseLong(matcher.group(1));
  }
}
