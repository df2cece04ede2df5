package io.paramstream.client.cluster;

import java.util.Map;

/**
 * What a cluster push reports once every shard involved acknowledged its part.
 *
 * @param versions the new version of every stored group or range the push updated (a group name, or
 *     a {@link RangeName} for a range)
 * @param tableVersions for every table the push updated, the largest new version among the shards
 *     that hold its pushed rows (each shard counts the pushes that touched its part)
 */
public record ShardedPushResult(Map<String, Long> versions, Map<String, Long> tableVersions) {
  public ShardedPushResult {
    versions = Map.copyOf(versions);
    tableVersions = Map.copyOf(tableVersions);
  }
}
