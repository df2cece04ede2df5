package io.paramstream.server;

import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.paramstream.core.GroupSelector;
import io.paramstream.core.GroupStore;
import io.paramstream.core.VersionListener;
import io.paramstream.proto.v1.GroupChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Watch stream. Version changes only mark groups dirty; sending reads the latest values of the
 * dirty groups when the stream is ready for them. A slow watcher therefore skips versions instead
 * of accumulating a backlog: at most one read of its groups is queued at any time.
 */
final class WatchStream implements VersionListener {

  private static final Logger log = LoggerFactory.getLogger(WatchStream.class);

  private final GroupStore store;
  private final ServerCallStreamObserver<GroupChunk> call;
  private final Executor executor;
  private final Runnable onClosed;
  private final Set<String> watched;
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final SynchronizationContext serializer =
      new SynchronizationContext((thread, e) -> log.error("watch stream failed", e));

  /** Accessed only inside {@link #serializer}: version last sent (or given by the client). */
  private final Map<String, Long> sentVersions = new HashMap<>();

  /** Accessed only inside {@link #serializer}. */
  private final ChunkWriter writer;

  private final AtomicBoolean closed = new AtomicBoolean();

  WatchStream(
      GroupStore store,
      ServerCallStreamObserver<GroupChunk> call,
      int maxChunkBytes,
      Executor executor,
      List<GroupSelector> selectors,
      Runnable onClosed) {
    this.store = store;
    this.call = call;
    this.executor = executor;
    this.onClosed = onClosed;
    this.writer = new ChunkWriter(call, maxChunkBytes);
    for (GroupSelector selector : selectors) {
      sentVersions.put(selector.name(), selector.ifNewerThan());
    }
    this.watched = Set.copyOf(sentVersions.keySet());
  }

  /** Registers for changes first, then sends the initial values, so no version is missed. */
  void start() {
    call.setOnCancelHandler(this::onCancelled);
    call.setOnReadyHandler(() -> serializer.execute(this::send));
    store.addListener(this);
    dirty.addAll(watched);
    serializer.execute(this::send);
  }

  @Override
  public void versionAdvanced(String group, long version) {
    if (!closed.get() && watched.contains(group)) {
      dirty.add(group);
      // Hand the read and encode to another thread: this one is a pusher's.
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
      if (!writer.writeWhileReady()) {
        return;
      }
      List<GroupSelector> changed = new ArrayList<>();
      for (String name : watched) {
        if (dirty.remove(name)) {
          changed.add(new GroupSelector(name, sentVersions.get(name)));
        }
      }
      if (changed.isEmpty()) {
        return;
      }
      EncodedGroup.Collector read = new EncodedGroup.Collector();
      try {
        store.read(changed, read);
      } catch (RuntimeException e) {
        if (markClosed()) {
          call.onError(StatusMapper.toException(e));
        }
        return;
      }
      for (EncodedGroup group : read.groups) {
        if (!group.notModified()) {
          sentVersions.put(group.name(), group.version());
          writer.add(group);
        }
      }
    }
  }

  private void onCancelled() {
    markClosed();
  }

  /** True for the one caller that closed the stream. */
  private boolean markClosed() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    store.removeListener(this);
    onClosed.run();
    return true;
  }
}
