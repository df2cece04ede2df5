package io.paramstream.client.internal;

import io.paramstream.client.GroupValues;
import io.paramstream.proto.v1.GroupChunk;

/**
 * Reassembles the GroupChunks of a Pull or Watch stream into whole groups. The server sends each
 * group as consecutive chunks in offset order, so only one group is in progress at a time and each
 * chunk is decoded straight into the final array.
 *
 * <p>Not thread-safe: one instance per stream, fed from that stream's observer.
 */
public final class ChunkAssembler {
  private String name;
  private long version;
  private float[] values;
  private int filled;

  /**
   * Consumes one chunk.
   *
   * @return the group's values when {@code chunk} completes it, otherwise {@code null} (also for
   *     {@code not_modified} chunks, which the caller inspects itself)
   * @throws io.paramstream.client.ParamstreamException INTERNAL if the chunk does not continue the
   *     group in progress
   */
  public GroupValues accept(GroupChunk chunk) {
    if (values == null) {
      if (chunk.getNotModified()) {
        return null;
      }
      start(chunk);
    } else if (chunk.getNotModified() || !chunk.getName().equals(name)) {
      throw Errors.protocol(
          "chunk of " + chunk.getName() + " arrived before group " + name + " was complete");
    }
    if (chunk.getVersion() != version || chunk.getSize() != values.length) {
      throw Errors.protocol("chunks of group " + name + " disagree on version or size");
    }
    if (chunk.getOffset() != filled) {
      throw Errors.protocol(
          "group " + name + ": expected offset " + filled + ", got " + chunk.getOffset());
    }
    try {
      filled += FloatCodec.decodeInto(chunk.getValues(), values, filled);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw Errors.protocol("group " + name + ": bad chunk payload: " + e.getMessage());
    }
    if (filled < values.length) {
      return null;
    }
    GroupValues done = new GroupValues(name, version, values);
    name = null;
    values = null;
    return done;
  }

  /** Checks that the stream did not end in the middle of a group. */
  public void finish() {
    if (values != null) {
      throw Errors.protocol(
          "stream ended after " + filled + " of " + values.length + " elements of " + name);
    }
  }

  private void start(GroupChunk chunk) {
    if (chunk.getSize() > Integer.MAX_VALUE - 8) {
      throw Errors.protocol(
          "group " + chunk.getName() + " of " + chunk.getSize() + " elements is too large");
    }
    name = chunk.getName();
    version = chunk.getVersion();
    values = new float[(int) chunk.getSize()];
    filled = 0;
  }
}
