package io.paramstream.server;

import io.paramstream.core.GroupStore;
import io.paramstream.core.StoreState;
import io.paramstream.core.checkpoint.CheckpointStore;
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
 * Takes checkpoints of a {@link GroupStore}: periodically, on demand, and once more at shutdown;
 * and restores the newest valid one at start. The snapshot is taken under all group locks (a
 * consistent instant) and written outside them, so pushes only wait for the in-memory copy.
 */
final class Checkpointer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  /** A checkpoint written. */
  record Written(Path file, int groups) {}

  private final GroupStore store;
  private final CheckpointStore files;
  private final ScheduledExecutorService timer;
  private final ServerMetrics metrics;

  Checkpointer(GroupStore store, Path directory, int keep, ServerMetrics metrics)
      throws IOException {
    this.store = store;
    this.metrics = metrics;
    this.files = new CheckpointStore(directory, keep);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "paramstream-checkpoint");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Loads the newest valid checkpoint into the (empty) store; logs every file it skips. */
  void restore() throws IOException {
    Optional<CheckpointStore.Restored> restored = files.restoreNewest();
    restored.ifPresent(r -> r.skipped().forEach(Checkpointer::logSkipped));
    if (restored.isEmpty()) {
      try {
        files.list().forEach(f -> log.warn("checkpoint {} is not loadable; skipped", f));
      } catch (IOException e) {
        log.warn("cannot list checkpoints in {}", files.directory(), e);
      }
      log.info("no checkpoint to restore in {}; starting empty", files.directory());
      return;
    }
    CheckpointStore.Restored r = restored.get();
    store.importState(r.state());
    log.info(
        "restored {} groups and {} workers' sequences from {}",
        r.state().groups().size(),
        r.state().lastSequences().size(),
        r.file());
  }

  private static void logSkipped(CheckpointStore.Skipped skipped) {
    log.warn("checkpoint {} is corrupt and was skipped: {}", skipped.file(), skipped.reason());
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
      checkpoint();
    } catch (IOException | RuntimeException e) {
      // The next period tries again; the previous checkpoints stay intact.
      log.error("periodic checkpoint failed", e);
    }
  }

  /** Writes a checkpoint now. Serialized with every other checkpoint. */
  synchronized Written checkpoint() throws IOException {
    long start = System.nanoTime();
    StoreState state = store.exportState();
    Path file;
    try {
      file = files.write(state);
    } catch (IOException | RuntimeException e) {
      metrics.checkpointFailed();
      throw e;
    }
    metrics.checkpointWritten(System.nanoTime() - start);
    log.info(
        "checkpoint {} written: {} groups in {} ms",
        file.getFileName(),
        state.groups().size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return new Written(file, state.groups().size());
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

  /** Stops periodic checkpoints, then writes a final one. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(30, TimeUnit.SECONDS);
      checkpoint();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.error("interrupted before the shutdown checkpoint");
    } catch (IOException | RuntimeException e) {
      log.error("shutdown checkpoint failed; the previous checkpoint is still intact", e);
    }
  }
}
