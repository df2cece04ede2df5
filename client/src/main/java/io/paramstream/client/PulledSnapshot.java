package io.paramstream.client;

import io.paramstream.client.internal.ChunkAssembler;
import io.paramstream.proto.v1.GroupChunk;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The chunks of one pull (a Pull call, or one answer on a PullStream) assembled into whole groups
 * and the groups that were not modified. Not thread-safe: fed from one stream's observer.
 */
final class PulledSnapshot {
  private final ChunkAssembler assembler = new ChunkAssembler();
  private final Map<String, GroupValues> values = new LinkedHashMap<>();
  private final Set<String> notModified = new HashSet<>();

  /**
   * Consumes a chunk; a chunk without a name (PullStream's bare end marker) carries no group.
   *
   * @throws ParamstreamException INTERNAL if it does not continue the group in progress
   */
  void accept(GroupChunk chunk) {
    if (chunk.getName().isEmpty()) {
      return;
    }
    GroupValues group = assembler.accept(chunk);
    if (chunk.getNotModified()) {
      notModified.add(chunk.getName());
    } else if (group != null) {
      values.put(group.name(), group);
    }
  }

  /**
   * The snapshot, once every chunk arrived.
   *
   * @throws ParamstreamException INTERNAL if the chunks ended inside a group
   */
  ParamstreamClient.PullResult finish() {
    assembler.finish();
    return new ParamstreamClient.PullResult(values, notModified);
  }
}
