package io.paramstream.server;

import io.paramstream.core.CheckpointCut;
import io.paramstream.core.GroupStore;
import io.paramstream.core.checkpoint.CheckpointStore;
import io.paramstream.core.checkpoint.NoLoadableCheckpointException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes checkpoints of a {@link GroupStore}, its groups and sparse tables: periodically (skipped
 * when nothing changed since the last one written), on demand, and once more at shutdown; and
 * restores the newest valid one at start. Each checkpoint is a copy-on-write cut ({@link
 * CheckpointCut}) streamed to disk group by group and table by table, so pushes to what is not
 * being written keep flowing and the whole model is never copied.
 */
final class Checkpointer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  /** A checkpoint written. */
  record Written(Path file, int groups, int tables) {}

  private final GroupStore store;
  private final CheckpointStore files;
  private final ScheduledExecutorService timer;
  private final ServerMetrics metrics;
  private final long writeBytesPerSecond;

  /** Guarded by this. The store's change count at the cut of the last checkpoint written. */
  private long writtenChangeCount = -1;

  /**
   * @param writeBytesPerSecond pace of periodic and requested checkpoints (0: none); the shutdown
   *     checkpoint writes as fast as it can
   */
  Checkpointer(
      GroupStore store, Path directory, int keep, long writeBytesPerSecond, ServerMetrics metrics)
      throws IOException {
    this.store = store;
    this.metrics = metrics;
    this.writeBytesPerSecond = writeBytesPerSecond;
    this.files = new CheckpointStore(directory, keep);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "paramstream-checkpoint");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Loads the newest valid checkpoint into the (empty) store, logging every file it skips and why,
   * and every file it sets aside.
   *
   * @throws NoLoadableCheckpointException when checkpoint files exist, none loads, and {@code
   *     allowEmptyStart} is false; the files are left as they are
   */
  void restore(boolean allowEmptyStart) throws IOException {
    files
        .removedTemporaryFiles()
        .forEach(f -> log.info("removed {}, left by an interrupted checkpoint", f.getFileName()));
    CheckpointStore.Restore restore = files.restore(store::importState, allowEmptyStart);
    restore
        .ignored()
        .forEach(
            f -> log.warn("ignoring {} in the checkpoint directory: {}", f.file(), f.reason()));
    for (CheckpointStore.Skipped skipped : restore.unloadable()) {
      log.warn("checkpoint {} is not loadable: {}", skipped.file(), skipped.reason());
    }
    for (int i = 0; i < restore.setAside().size(); i++) {
      log.warn(
          "moved {} aside to {}; it is kept, not deleted",
          restore.unloadable().get(i).file().getFileName(),
          restore.setAside().get(i).getFileName());
    }
    synchronized (this) {
      writtenChangeCount = store.changeCount();
    }
    if (restore.restored().isEmpty()) {
      log.info(
          "no checkpoint to restore in {}; starting empty{}",
          files.directory(),
          restore.unloadable().isEmpty() ? "" : " (--allow-empty-start)");
      return;
    }
    CheckpointStore.Restored r = restore.restored().get();
    log.info(
        "restored {} groups, {} tables and {} workers' sequences from {}",
        r.state().groups().size(),
        r.state().tables().size(),
        r.state().lastSequences().size(),
        r.file());
  }

  /** Starts periodic checkpoints every {@code interval}; a zero interval starts none. */
  void schedule(Duration interval) {
    if (interval.isZero()) {
      return;
    }
    long millis = interval.toMillis();
    timer.scheduleWithFixedDelay(this::periodic, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void periodic() {
    try {
      checkpointIfChanged();
    } catch (IOException | RuntimeException e) {
      // The next period tries again; the previous checkpoints stay intact.
      log.error("periodic checkpoint failed", e);
    }
  }

  /** Writes a checkpoint unless nothing changed since the last one written; empty if skipped. */
  synchronized Optional<Written> checkpointIfChanged() throws IOException {
    if (store.changeCount() == writtenChangeCount) {
      return Optional.empty();
    }
    return Optional.of(checkpoint());
  }

  /** Writes a checkpoint now, at the configured pace. Serialized with every other checkpoint. */
  synchronized Written checkpoint() throws IOException {
    return checkpoint(writeBytesPerSecond);
  }

  private synchronized Written checkpoint(long bytesPerSecond) throws IOException {
    long start = System.nanoTime();
    Path file;
    int groups;
    int tables;
    try (CheckpointCut cut = store.beginCheckpoint()) {
      groups = cut.groups().size();
      tables = cut.tables().size();
      file = files.write(cut, bytesPerSecond);
      writtenChangeCount = cut.changeCount();
    } catch (IOException | RuntimeException e) {
      metrics.checkpointFailed();
      throw e;
    }
    metrics.checkpointWritten(System.nanoTime() - start);
    log.info(
        "checkpoint {} written: {} groups and {} tables in {} ms",
        file.getFileName(),
        groups,
        tables,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return new Written(file, groups, tables);
  }

  /**
   * Writes a checkpoint on the checkpoint thread, so a caller on a network thread does not hold it
   * (and every connection served by it) during file I/O.
   */
  CompletableFuture<Written> checkpointInBackground() {
    CompletableFuture<Written> written = new CompletableFuture<>();
    try {
      timer.execute(
          () -> {
            try {
              written.complete(checkpoint());
            } catch (IOException | RuntimeException e) {
              written.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      written.completeExceptionally(new IOException("the server is shutting down"));
    }
    return written;
  }

  /**
   * Stops periodic checkpoints (interrupting a paced one), then writes a final one unpaced: a
   * stopping server has no pushes to leave CPU to, and its grace period is short.
   */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(30, TimeUnit.SECONDS);
      checkpoint(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.error("interrupted before the shutdown checkpoint");
    } catch (IOException | RuntimeException e) {
      log.error("shutdown checkpoint failed; the previous checkpoint is still intact", e);
    }
  }
}
