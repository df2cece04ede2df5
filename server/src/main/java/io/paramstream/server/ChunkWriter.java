package io.paramstream.server;

import io.grpc.stub.ServerCallStreamObserver;
import io.paramstream.proto.v1.GroupChunk;
import java.util.ArrayDeque;

/**
 * Writes queued groups as GroupChunks of at most {@code maxChunkBytes}, only while the call is
 * ready, so a slow reader holds back the writer instead of growing a buffer. Not thread-safe:
 * callers serialize access.
 */
final class ChunkWriter {

  private final ServerCallStreamObserver<GroupChunk> call;
  private final int maxChunkBytes;
  private final boolean markEnd;
  private final ArrayDeque<EncodedGroup> queue = new ArrayDeque<>();

  /** Byte position within the head of the queue. */
  private int position;

  /** Whether a chunk went out; an answer with no chunk still needs its end marker. */
  private boolean wroteAny;

  ChunkWriter(ServerCallStreamObserver<GroupChunk> call, int maxChunkBytes) {
    this(call, maxChunkBytes, false);
  }

  /**
   * @param markEnd set {@code end_of_pull} on the last chunk written (PullStream answers)
   */
  ChunkWriter(ServerCallStreamObserver<GroupChunk> call, int maxChunkBytes, boolean markEnd) {
    this.call = call;
    this.maxChunkBytes = maxChunkBytes;
    this.markEnd = markEnd;
  }

  void add(EncodedGroup group) {
    queue.add(group);
  }

  /** Writes while the call is ready; true once everything queued has been written. */
  boolean writeWhileReady() {
    if (markEnd && !wroteAny && queue.isEmpty()) {
      if (!call.isReady() || call.isCancelled()) {
        return false;
      }
      wroteAny = true;
      call.onNext(GroupChunk.newBuilder().setEndOfPull(true).build());
      return true;
    }
    while (!queue.isEmpty()) {
      if (!call.isReady() || call.isCancelled()) {
        return false;
      }
      EncodedGroup group = queue.peek();
      GroupChunk.Builder chunk =
          GroupChunk.newBuilder()
              .setName(group.name())
              .setVersion(group.version())
              .setSize(group.size())
              .setOffset(position / Float.BYTES);
      if (group.notModified()) {
        chunk.setNotModified(true);
        queue.poll();
      } else {
        int length = Math.min(maxChunkBytes, group.bytes().length - position);
        chunk.setValues(Payloads.wrap(group.bytes(), position, length));
        position += length;
        if (position == group.bytes().length) {
          queue.poll();
          position = 0;
        }
      }
      if (markEnd && queue.isEmpty()) {
        chunk.setEndOfPull(true);
      }
      wroteAny = true;
      call.onNext(chunk.build());
    }
    return true;
  }
}
