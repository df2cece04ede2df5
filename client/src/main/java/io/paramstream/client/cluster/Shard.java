package io.paramstream.client.cluster;

/**
 * One server of a cluster.
 *
 * @param index position in the cluster's stable shard order (addresses sorted)
 * @param address {@code host:port}
 */
public record Shard(int index, String address) {
  @Override
  public String toString() {
    return "shard " + index + " (" + address + ")";
  }
}
