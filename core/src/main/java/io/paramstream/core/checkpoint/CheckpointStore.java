package io.paramstream.core.checkpoint;

import io.paramstream.core.CheckpointSource;
import io.paramstream.core.StoreState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
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
 * Checkpoint files in one directory, named {@code checkpoint-<sequence>.psck} with a 20-digit
 * zero-padded sequence so the newest sorts last.
 *
 * <p>A write never leaves a half-written file under a checkpoint name: it goes to a temporary file
 * that is fsynced, renamed atomically into place, and the directory is fsynced so the rename itself
 * survives a power cut. Only the newest {@code keep} checkpoints are kept. Writes are serialized by
 * this object's lock; one directory must have one writer.
 *
 * <p>A file that fails to load is never deleted: {@link #restore} renames it to {@code
 * <name>.unloadable}, which rotation does not touch, and new checkpoints are numbered above every
 * file there, set-aside ones included, so the newest always sorts last. Files with other names are
 * left alone and reported.
 */
public final class CheckpointStore {

  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)\\.psck");
  private static final Pattern SET_ASIDE = Pattern.compile("checkpoint-(\\d{20})\\.psck.*");
  private static final int SEQUENCE_DIGITS = 20;
  private static final String TEMP_SUFFIX = ".tmp";
  static final String UNLOADABLE_SUFFIX = ".unloadable";

  private final Path directory;
  private final int keep;
  private final List<Path> removedTemporaryFiles = new ArrayList<>();

  /** Guarded by this. Sequence of the next checkpoint written. */
  private long nextSequence;

  /** A checkpoint that was read back, and the newer ones that were refused on the way. */
  public record Restored(Path file, StoreState state, List<Skipped> skipped) {}

  /** A file that was not loaded, and why. */
  public record Skipped(Path file, String reason) {}

  /**
   * What a start found.
   *
   * @param restored the checkpoint loaded, or empty when the server starts empty
   * @param unloadable checkpoint files that failed to load, newest first, with their reasons
   * @param setAside where each unloadable file was moved
   * @param ignored files whose names are not checkpoint names, left where they are
   */
  public record Restore(
      Optional<Restored> restored,
      List<Skipped> unloadable,
      List<Path> setAside,
      List<Skipped> ignored) {}

  /** Takes a checkpoint's image into the server; throws if the server cannot hold it. */
  @FunctionalInterface
  public interface Loader {
    void load(StoreState state);
  }

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
        removedTemporaryFiles.add(temp);
      }
    }
    nextSequence = scan().highestSequence + 1;
  }

  public Path directory() {
    return directory;
  }

  /** Temporary files of interrupted writes that the constructor removed. */
  public List<Path> removedTemporaryFiles() {
    return List.copyOf(removedTemporaryFiles);
  }

  /** Writes {@code state} as the newest checkpoint, then prunes old ones; returns its path. */
  public Path write(StoreState state) throws IOException {
    return write(CheckpointSource.of(state));
  }

  /** Streams {@code source} into the newest checkpoint, then prunes old ones; returns its path. */
  public Path write(CheckpointSource source) throws IOException {
    return write(source, 0);
  }

  /**
   * Like {@link #write(CheckpointSource)}, writing at most {@code maxBytesPerSecond} on average (0:
   * as fast as the disk takes it). The final fsync is not paced.
   */
  public synchronized Path write(CheckpointSource source, long maxBytesPerSecond)
      throws IOException {
    if (maxBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "checkpoint write rate must be >= 0 bytes/s, got " + maxBytesPerSecond);
    }
    Path target = directory.resolve(String.format("checkpoint-%020d.psck", nextSequence));
    Path temp = directory.resolve(target.getFileName() + TEMP_SUFFIX);
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      OutputStream out = Channels.newOutputStream(channel);
      if (maxBytesPerSecond > 0) {
        out = new PacedOutputStream(out, maxBytesPerSecond);
      }
      CheckpointFormat.write(source, out);
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
   * Reads the newest checkpoint that verifies, skipping (and reporting) newer ones that do not;
   * changes no file. Empty when there is no loadable checkpoint.
   */
  public Optional<Restored> restoreNewest() throws IOException {
    return loadNewest(state -> {}, new ArrayList<>());
  }

  /**
   * Loads the newest checkpoint that verifies and that {@code loader} accepts, and moves every
   * newer one aside. When checkpoint files exist and none loads, throws, changing nothing, unless
   * {@code allowEmptyStart}: then moves them all aside and starts empty.
   *
   * @throws NoLoadableCheckpointException when no file loads and an empty start is not allowed
   */
  public synchronized Restore restore(Loader loader, boolean allowEmptyStart) throws IOException {
    List<Skipped> ignored = scan().ignored;
    List<Skipped> unloadable = new ArrayList<>();
    Optional<Restored> restored = loadNewest(loader, unloadable);
    if (restored.isEmpty() && !unloadable.isEmpty() && !allowEmptyStart) {
      throw new NoLoadableCheckpointException(unloadable);
    }
    List<Path> setAside = new ArrayList<>();
    for (Skipped skipped : unloadable) {
      setAside.add(moveAside(skipped.file()));
    }
    if (!setAside.isEmpty()) {
      syncDirectory();
    }
    return new Restore(restored, unloadable, setAside, ignored);
  }

  private Optional<Restored> loadNewest(Loader loader, List<Skipped> unloadable)
      throws IOException {
    List<Path> files = list();
    for (int i = files.size() - 1; i >= 0; i--) {
      Path file = files.get(i);
      try {
        StoreState state =
            CheckpointFormat.read(() -> Files.newInputStream(file), Files.size(file));
        loader.load(state);
        return Optional.of(new Restored(file, state, List.copyOf(unloadable)));
      } catch (IOException | RuntimeException e) {
        unloadable.add(new Skipped(file, reason(e)));
      }
    }
    return Optional.empty();
  }

  private static String reason(Exception e) {
    if (e instanceof CorruptCheckpointException) {
      return e.getMessage();
    }
    if (e instanceof AccessDeniedException) {
      return "cannot be read: permission denied";
    }
    if (e instanceof IOException) {
      return "cannot be read: " + e;
    }
    return "cannot be loaded: " + e.getMessage();
  }

  /** Renames a file that failed to load so rotation never deletes it; returns the new path. */
  private Path moveAside(Path file) throws IOException {
    Path target = file.resolveSibling(file.getFileName() + UNLOADABLE_SUFFIX);
    for (int n = 2; Files.exists(target); n++) {
      target = file.resolveSibling(file.getFileName() + "." + n + UNLOADABLE_SUFFIX);
    }
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }

  /** Checkpoint files, oldest first. */
  public List<Path> list() throws IOException {
    return scan().checkpoints;
  }

  /** The directory sorted out: checkpoints, names ignored, and the highest sequence in use. */
  private static final class Scan {
    final List<Numbered> numbered = new ArrayList<>();
    final List<Path> checkpoints = new ArrayList<>();
    final List<Skipped> ignored = new ArrayList<>();
    long highestSequence;
  }

  private Scan scan() throws IOException {
    Scan scan = new Scan();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        String name = file.getFileName().toString();
        if (Files.isDirectory(file) || name.endsWith(TEMP_SUFFIX)) {
          continue;
        }
        Matcher setAside = SET_ASIDE.matcher(name);
        if (name.endsWith(UNLOADABLE_SUFFIX) && setAside.matches()) {
          sequenceOf(setAside.group(1))
              .ifPresent(s -> scan.highestSequence = Math.max(scan.highestSequence, s));
          continue;
        }
        Matcher matcher = NAME.matcher(name);
        Optional<Long> sequence =
            matcher.matches() ? sequenceOf(matcher.group(1)) : Optional.empty();
        if (sequence.isPresent()) {
          scan.numbered.add(new Numbered(file, sequence.get()));
          scan.highestSequence = Math.max(scan.highestSequence, sequence.get());
        } else {
          scan.ignored.add(new Skipped(file, oddNameReason(name, matcher)));
        }
      }
    }
    scan.numbered.sort(Comparator.comparingLong(Numbered::sequence));
    scan.numbered.forEach(n -> scan.checkpoints.add(n.file()));
    scan.ignored.sort(Comparator.comparing(Skipped::file));
    return scan;
  }

  private static String oddNameReason(String name, Matcher matcher) {
    if (!matcher.matches()) {
      return "not a checkpoint name (checkpoint-<20 digits>.psck)";
    }
    if (matcher.group(1).length() != SEQUENCE_DIGITS) {
      return "sequence is not " + SEQUENCE_DIGITS + " digits";
    }
    return "sequence is beyond the largest a checkpoint can have (" + Long.MAX_VALUE + ")";
  }

  private record Numbered(Path file, long sequence) {}

  /** The sequence of 20 digits that fit a long, else empty. */
  private static Optional<Long> sequenceOf(String digits) {
    if (digits.length() != SEQUENCE_DIGITS) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(digits));
    } catch (NumberFormatException e) {
      return Optional.empty(); // 20 digits can exceed Long.MAX_VALUE
    }
  }

  private void prune() throws IOException {
    List<Path> files = list();
    for (int i = 0; i < files.size() - keep; i++) {
      Files.deleteIfExists(files.get(i));
    }
  }

  private void syncDirectory() throws IOException {
    // Makes renames durable; Linux allows fsync on a directory opened for reading.
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
