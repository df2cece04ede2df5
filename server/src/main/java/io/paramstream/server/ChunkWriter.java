package io.paramstream.server;

import io.grpc.stub.ServerCallStreamObserver;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.StreamingRead;
import io.paramstream.proto.v1.GroupChunk;
import java.util.List;
import java.util.function.Supplier;

/**
 * Writes one consistent read as GroupChunks of at most {@code maxChunkBytes}, encoding each chunk
 * only when the call is ready to take it. A reader that stops reading therefore holds the chunks
 * already in flight and its place in the read, never an encoded copy of its groups; if a push
 * changes a group it has yet to read, the store keeps the old values for it within the readers'
 * budget (see {@link StreamingRead}).
 *
 * <p>The read is opened at the first write the call is ready for. If it is lost before any chunk
 * went out, it is opened again at the newest versions, at most {@link #MAX_RESTARTS} times; once
 * chunks are out it cannot be taken back, so it fails with RESOURCE_EXHAUSTED.
 *
 * <p>Not thread-safe: callers serialize access, and must {@link #close()} it however the call ends.
 */
final class ChunkWriter {

  /** How the answer is framed on the wire. */
  enum Framing {
    /** Pull: every selected group, a not-modified chunk for an unchanged one. */
    PULL,
    /** PullStream: as Pull, and {@code end_of_pull} on the last chunk (alone if no group). */
    PULL_STREAM,
    /** Watch: only changed groups, {@code end_of_pull} on the last chunk; nothing if none. */
    WATCH_SET
  }

  static final int MAX_RESTARTS = 8;

  private final ServerCallStreamObserver<GroupChunk> call;
  private final int maxChunkBytes;
  private final Framing framing;
  private final Supplier<StreamingRead> opener;

  private StreamingRead read;
  private int restarts;

  /** Group being written and element position within it. */
  private int group;

  private int position;

  /** Index of the last group that will produce a chunk, or -1 for none. */
  private int lastToSend;

  private boolean wroteAny;
  private boolean done;

  ChunkWriter(
      ServerCallStreamObserver<GroupChunk> call,
      int maxChunkBytes,
      Framing framing,
      Supplier<StreamingRead> opener) {
    this.call = call;
    this.maxChunkBytes = maxChunkBytes;
    this.framing = framing;
    this.opener = opener;
  }

  /**
   * Writes while the call is ready; true once the whole answer has been written.
   *
   * @throws RuntimeException a store failure (unknown group, a lost read) for the caller to map
   */
  boolean writeWhileReady() {
    while (!done) {
      if (!call.isReady() || call.isCancelled()) {
        return false;
      }
      if (read == null) {
        open();
      }
      try {
        read.checkNotLost();
        writeNext();
      } catch (GroupStoreException e) {
        // Lost before anything went out: start again, invisibly, at the newest versions.
        if (wroteAny || !read.lost() || restarts++ >= MAX_RESTARTS) {
          throw e;
        }
        open();
      }
    }
    return true;
  }

  /** The read's groups at their snapshot versions; valid once {@link #writeWhileReady} is true. */
  List<GroupMetadata> groups() {
    return read == null ? List.of() : read.groups();
  }

  /** Whether group {@code i} of {@link #groups()} was not modified. */
  boolean notModified(int i) {
    return read.notModified(i);
  }

  /** Lets go of the read; idempotent. */
  void close() {
    if (read != null) {
      read.close();
    }
  }

  private void open() {
    close();
    read = opener.get();
    group = 0;
    position = 0;
    lastToSend = -1;
    for (int i = 0; i < read.groups().size(); i++) {
      if (framing != Framing.WATCH_SET || !read.notModified(i)) {
        lastToSend = i;
      }
    }
    if (lastToSend < 0 && framing != Framing.PULL_STREAM) {
      done = true; // nothing at all to say; PullStream still owes its end marker
    }
  }

  private void writeNext() {
    if (done) {
      return;
    }
    if (lastToSend < 0) {
      call.onNext(GroupChunk.newBuilder().setEndOfPull(true).build());
      wroteAny = true;
      done = true;
      return;
    }
    while (framing == Framing.WATCH_SET && read.notModified(group)) {
      group++;
    }
    GroupMetadata metadata = read.groups().get(group);
    GroupChunk.Builder chunk =
        GroupChunk.newBuilder()
            .setName(metadata.name())
            .setVersion(metadata.version())
            .setSize(metadata.size())
            .setOffset(position);
    boolean groupDone;
    if (read.notModified(group)) {
      chunk.setNotModified(true);
      groupDone = true;
    } else {
      int count = Math.min(maxChunkBytes / Float.BYTES, metadata.size() - position);
      byte[] bytes = read.read(group, position, count, ChunkWriter::encode);
      chunk.setValues(Payloads.wrap(bytes, 0, count * Float.BYTES));
      position += count;
      groupDone = position == metadata.size();
    }
    if (groupDone && group == lastToSend) {
      done = true;
      if (framing != Framing.PULL) {
        chunk.setEndOfPull(true);
      }
    } else if (groupDone) {
      group++;
      position = 0;
    }
    wroteAny = true;
    call.onNext(chunk.build());
  }

  /**
   * Encodes one chunk into an array of its own. Not a reused buffer: the message wraps the array
   * without a copy, and a transport may serialize it after {@code onNext} returns (the in-process
   * transport does), so a reused buffer could be overwritten by the next chunk before it is sent.
   */
  private static byte[] encode(float[] values, int from, int count) {
    byte[] encoded;
    try {
      encoded = new byte[count * Float.BYTES];
    } catch (OutOfMemoryError e) {
      // One chunk is small, but a heap full of other things fails this read only.
      throw new GroupStoreException(
          GroupStoreException.Reason.RESOURCE_EXHAUSTED,
          "the server has no heap left to encode a chunk of "
              + count
              + " floats; retry later, or give the server a larger -Xmx");
    }
    Payloads.encodeInto(values, from, count, encoded);
    return encoded;
  }
}
