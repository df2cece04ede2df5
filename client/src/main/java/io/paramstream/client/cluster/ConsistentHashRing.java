package io.paramstream.client.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Consistent hashing of keys (group names) onto nodes (shards). Each node is hashed onto a 64-bit
 * ring at {@code virtualNodes} points; a key belongs to the first point at or after its own hash,
 * wrapping around. Adding an (N+1)-th node therefore moves only about 1/(N+1) of the keys.
 *
 * <p>The hash is the first 8 bytes (big-endian) of SHA-256 over the UTF-8 bytes of {@code
 * "<node>#<i>"} for node points and of the key itself for keys: slow compared with a
 * non-cryptographic hash, but placement is computed once per group, and any language's standard
 * library can reproduce it. Immutable and thread-safe.
 */
public final class ConsistentHashRing {

  /** Points per node: enough that 3 nodes get shares within a few percent of a third. */
  public static final int DEFAULT_VIRTUAL_NODES = 256;

  private final List<String> nodes;
  // Ring point -> node index.
  private final TreeMap<Long, Integer> points = new TreeMap<>();

  /**
   * @param nodes distinct node identities (shard addresses), in shard order
   * @param virtualNodes ring points per node, at least 1
   */
  public ConsistentHashRing(List<String> nodes, int virtualNodes) {
    Objects.requireNonNull(nodes, "nodes");
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a ring needs at least one node");
    }
    if (virtualNodes < 1) {
      throw new IllegalArgumentException("virtualNodes must be >= 1, got " + virtualNodes);
    }
    if (Set.copyOf(nodes).size() != nodes.size()) {
      throw new IllegalArgumentException("duplicate node in " + nodes);
    }
    this.nodes = List.copyOf(nodes);
    for (int n = 0; n < nodes.size(); n++) {
      for (int i = 0; i < virtualNodes; i++) {
        // On the (astronomically unlikely) collision the first node keeps the point.
        points.putIfAbsent(hash(nodes.get(n) + "#" + i), n);
      }
    }
  }

  /** The ring of {@link #DEFAULT_VIRTUAL_NODES} points per node. */
  public static ConsistentHashRing of(List<String> nodes) {
    return new ConsistentHashRing(nodes, DEFAULT_VIRTUAL_NODES);
  }

  /** The index (in the constructor's list) of the node that owns {@code key}. */
  public int nodeFor(String key) {
    Map.Entry<Long, Integer> owner = points.ceilingEntry(hash(key));
    return (owner != null ? owner : points.firstEntry()).getValue();
  }

  /**
   * Every node once, in the order met walking the ring clockwise from {@code key}: the owner first.
   * Ranges of a split group go to consecutive entries, so they land on distinct shards.
   */
  public List<Integer> preferenceList(String key) {
    Set<Integer> order = new LinkedHashSet<>();
    for (int node : points.tailMap(hash(key), true).values()) {
      if (order.add(node) && order.size() == nodes.size()) {
        return new ArrayList<>(order);
      }
    }
    for (int node : points.values()) {
      if (order.add(node) && order.size() == nodes.size()) {
        break;
      }
    }
    return new ArrayList<>(order);
  }

  /** The node identities, in shard order. */
  public List<String> nodes() {
    return nodes;
  }

  static long hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
