package io.paramstream.client.cluster;

import java.util.List;

/**
 * Where a cluster's parameters are: what each shard holds, as reported by the shards themselves.
 *
 * @param shards one entry per shard, in shard order
 */
public record Placement(List<ShardPlacement> shards) {

  public Placement {
    shards = List.copyOf(shards);
  }

  /**
   * What one shard holds.
   *
   * @param shard the shard
   * @param reachable false if the shard did not answer; then {@code pieces} is empty
   * @param error why the shard did not answer, or null
   * @param totalBytes bytes of parameter values on the shard
   * @param pieces the groups and ranges on the shard, sorted by stored name
   */
  public record ShardPlacement(
      Shard shard, boolean reachable, String error, long totalBytes, List<Piece> pieces) {
    public ShardPlacement {
      pieces = List.copyOf(pieces);
    }
  }

  /**
   * A whole group, or one range of a split group, on a shard.
   *
   * @param group the group's name
   * @param start first element held ({@code 0} for a whole group)
   * @param end one past the last element held ({@code size} for a whole group)
   * @param size the group's total size
   * @param version pushes applied to this piece
   * @param bytes bytes held
   */
  public record Piece(String group, int start, int end, int size, long version, long bytes) {
    public boolean whole() {
      return start == 0 && end == size;
    }
  }
}
