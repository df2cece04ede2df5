package io.paramstream.ctl;

import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.TableInfo;
import io.paramstream.client.cluster.Placement;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tables part of {@code placement}: each shard's part of every sparse table. The cluster client
 * only lists tables merged over shards, so each reachable shard is asked with a plain client of its
 * own.
 */
final class ShardTables {

  /** A shard's parts, or why it could not list them. */
  private record Parts(List<TableInfo> tables, String error) {}

  // Shard index -> its parts; reachable shards only, in shard order.
  private final Map<Integer, Parts> byShard;

  private ShardTables(Map<Integer, Parts> byShard) {
    this.byShard = byShard;
  }

  /** Lists the tables of every shard that answered the placement call. */
  static ShardTables list(Placement placement, Duration deadline) {
    Map<Integer, Parts> byShard = new TreeMap<>();
    for (Placement.ShardPlacement shard : placement.shards()) {
      if (shard.reachable()) {
        byShard.put(shard.shard().index(), list(shard.shard().address(), deadline));
      }
    }
    return new ShardTables(byShard);
  }

  /** Whether every shard that answered the placement call also listed its tables. */
  boolean allListed() {
    return byShard.values().stream().allMatch(parts -> parts.error() == null);
  }

  /** How many table parts a shard holds and their bytes, or "?" for a shard that did not say. */
  String summary(int shard, String format) {
    Parts parts = byShard.get(shard);
    if (parts == null || parts.error() != null) {
      return String.format(format, "?", "?");
    }
    long bytes = parts.tables().stream().mapToLong(TableInfo::bytes).sum();
    return String.format(format, bytes, parts.tables().size());
  }

  /** One line per table part under a header, if any shard holds a table or failed to list. */
  void print(PrintWriter out) {
    if (byShard.values().stream().allMatch(p -> p.error() == null && p.tables().isEmpty())) {
      return;
    }
    String format = "%-32s %-6s %-7s %5s %12s %10s %14s%n";
    out.println();
    out.printf(format, "TABLE", "SHARD", "KIND", "DIM", "ROWS", "VERSION", "BYTES");
    byShard.forEach(
        (shard, parts) -> {
          for (TableInfo table : parts.tables()) {
            out.printf(
                format,
                table.name(),
                shard,
                table.keyed() ? "keyed" : "indexed",
                table.dim(),
                table.rows(),
                table.version(),
                table.bytes());
          }
          if (parts.error() != null) {
            out.printf("%-32s %-6d %s%n", "?", shard, parts.error());
          }
        });
  }

  private static Parts list(String address, Duration deadline) {
    try (ParamstreamClient client =
        ParamstreamClient.builder().target(address).deadline(deadline).build()) {
      return new Parts(client.listTables(), null);
    } catch (ParamstreamException e) {
      return new Parts(List.of(), e.getMessage());
    }
  }
}
