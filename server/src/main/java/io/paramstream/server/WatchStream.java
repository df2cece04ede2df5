package io.paramstream.server;

import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupSelector;
import io.paramstream.core.GroupStore;
import io.paramstream.core.StreamingRead;
import io.paramstream.core.VersionListener;
import io.paramstream.proto.v1.GroupChunk;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Watch stream, sent as consistent sets: each set is one snapshot of the watched groups that
 * changed since the last set, all at the versions of one applied state, its last chunk marked with
 * {@code end_of_pull}. Version changes only mark the stream dirty; a set is read, chunk by chunk,
 * only when the call is ready to take it. A slow watcher therefore holds at most one set in
 * progress and skips versions instead of accumulating a backlog: its next set is the latest.
 */
final class WatchStream implements VersionListener {

  private static final Logger log = LoggerFactory.getLogger(WatchStream.class);

  private final ServerCallStreamObserver<GroupChunk> call;
  private final GroupStore store;
  private final int maxChunkBytes;
  private final Executor executor;
  private final Function<List<GroupSelector>, StreamingRead> openRead;
  private final Runnable onClosed;
  private final Set<String> watched;
  private final AtomicBoolean dirty = new AtomicBoolean();
  private final SynchronizationContext serializer =
      new SynchronizationContext((thread, e) -> log.error("watch stream failed", e));

  /** Accessed only inside {@link #serializer}: version last sent (or given by the client). */
  private final Map<String, Long> sentVersions = new LinkedHashMap<>();

  /** Accessed only inside {@link #serializer}: the set being written, or null. */
  private ChunkWriter set;

  private final AtomicBoolean closed = new AtomicBoolean();

  WatchStream(
      GroupStore store,
      ServerCallStreamObserver<GroupChunk> call,
      int maxChunkBytes,
      Executor executor,
      List<GroupSelector> selectors,
      Function<List<GroupSelector>, StreamingRead> openRead,
      Runnable onClosed) {
    this.store = store;
    this.call = call;
    this.maxChunkBytes = maxChunkBytes;
    this.executor = executor;
    this.openRead = openRead;
    this.onClosed = onClosed;
    for (GroupSelector selector : selectors) {
      sentVersions.put(selector.name(), selector.ifNewerThan());
    }
    this.watched = Set.copyOf(sentVersions.keySet());
  }

  /** Registers for changes first, then sends the initial set, so no version is missed. */
  void start() {
    call.setOnCancelHandler(() -> serializer.execute(this::markClosed));
    call.setOnReadyHandler(() -> serializer.execute(this::send));
    store.addListener(this);
    dirty.set(true);
    serializer.execute(this::send);
  }

  @Override
  public void versionAdvanced(String group, long version) {
    if (!closed.get() && watched.contains(group) && !dirty.getAndSet(true)) {
      // Hand the read to another thread: this one is a pusher's.
      executor.execute(() -> serializer.execute(this::send));
    }
  }

  @Override
  public void deleted(String group) {
    if (watched.contains(group)) {
      close(Status.NOT_FOUND.withDescription("watched group '" + group + "' was deleted"));
    }
  }

  /** Ends the stream with {@code status}; safe from any thread. */
  void close(Status status) {
    serializer.execute(
        () -> {
          if (markClosed()) {
            call.onError(status.asRuntimeException());
          }
        });
  }

  private void send() {
    while (!closed.get()) {
      if (set == null) {
        if (!dirty.getAndSet(false)) {
          return;
        }
        List<GroupSelector> selectors = new ArrayList<>(sentVersions.size());
        sentVersions.forEach((name, version) -> selectors.add(new GroupSelector(name, version)));
        set =
            new ChunkWriter(
                call,
                maxChunkBytes,
                ChunkWriter.Framing.WATCH_SET,
                () -> openRead.apply(selectors));
      }
      try {
        if (!set.writeWhileReady()) {
          return; // the on-ready handler resumes the set
        }
      } catch (RuntimeException e) {
        if (markClosed()) {
          call.onError(StatusMapper.toException(e));
        }
        return;
      }
      List<GroupMetadata> groups = set.groups();
      for (int i = 0; i < groups.size(); i++) {
        if (!set.notModified(i)) {
          sentVersions.put(groups.get(i).name(), groups.get(i).version());
        }
      }
      set.close();
      set = null;
    }
  }

  /** True for the one caller that closed the stream. Runs inside {@link #serializer}. */
  private boolean markClosed() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    store.removeListener(this);
    if (set != null) {
      set.close();
      set = null;
    }
    onClosed.run();
    return true;
  }
}
