package io.paramstream.ctl;

import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.TableInfo;
import io.paramstream.client.cluster.Placement;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tables part of {@code placement}: each shard's part of every sparse table. The cluster client
 * only lists tables merged over shards, so each reachable shard is asked with a plain client of its
 * own.
 */
final class ShardTables {

  private ShardTables() {}

  /** A shard's parts, or why it could not list them. */
  private record Parts(int shard, List<TableInfo> tables, String error) {}

  /**
   * Prints one line per table part, under a header, if any shard holds a table or failed to list.
   *
   * @return whether every reachable shard listed its tables
   */
  static boolean print(PrintWriter out, Placement placement, Duration deadline) {
    List<Parts> all = new ArrayList<>();
    for (Placement.ShardPlacement shard : placement.shards()) {
      if (shard.reachable()) {
        all.add(list(shard.shard().index(), shard.shard().address(), deadline));
      }
    }
    if (all.stream().allMatch(parts -> parts.error() == null && parts.tables().isEmpty())) {
      return true;
    }
    String format = "%-32s %-6s %-7s %5s %12s %10s %14s%n";
    out.println();
    out.printf(format, "TABLE", "SHARD", "KIND", "DIM", "ROWS", "VERSION", "BYTES");
    boolean allListed = true;
    for (Parts parts : all) {
      for (TableInfo table : parts.tables()) {
        out.printf(
            format,
            table.name(),
            parts.shard(),
            table.keyed() ? "keyed" : "indexed",
            table.dim(),
            table.rows(),
            table.version(),
            table.bytes());
      }
      if (parts.error() != null) {
        allListed = false;
        out.printf("%-32s %-6d %s%n", "?", parts.shard(), parts.error());
      }
    }
    return allListed;
  }

  private static Parts list(int shard, String address, Duration deadline) {
    try (ParamstreamClient client =
        ParamstreamClient.builder().target(address).deadline(deadline).build()) {
      return new Parts(shard, client.listTables(), null);
    } catch (ParamstreamException e) {
      return new Parts(shard, List.of(), e.getMessage());
    }
  }
}
