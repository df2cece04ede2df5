package io.paramstream.ctl;

import io.paramstream.client.cluster.Placement;
import io.paramstream.client.cluster.ShardedClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code paramstream-ctl placement}: shows which shard of a cluster holds which group or range, the
 * bytes per shard, and each shard's part of every sparse table. Exits 0 when every shard answered,
 * 1 otherwise.
 */
@Command(
    name = "placement",
    mixinStandardHelpOptions = true,
    description =
        "Shows which shard holds which group or range, bytes per shard, and the shards' parts"
            + " of sparse tables.")
final class PlacementCommand implements Callable<Integer> {

  static final class Cluster {
    @Option(
        names = "--cluster",
        split = ",",
        required = true,
        description = "Shard addresses host:port, comma separated.")
    List<String> addresses;

    @Option(
        names = "--dns",
        required = true,
        description = "host:port where host resolves to every shard (a headless service).")
    String dns;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Cluster cluster;

  @Option(
      names = {"--timeout", "--deadline"},
      defaultValue = "5s",
      description = "Deadline per shard, e.g. 5s (default: ${DEFAULT-VALUE}).")
  Duration deadline;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ShardedClient.Builder builder = ShardedClient.builder().deadline(deadline);
    if (cluster.dns != null) {
      int colon = cluster.dns.lastIndexOf(':');
      if (colon < 0) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--dns needs host:port, got " + cluster.dns);
      }
      builder.dnsName(
          cluster.dns.substring(0, colon), Integer.parseInt(cluster.dns.substring(colon + 1)));
    } else {
      builder.addresses(cluster.addresses);
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean allAnswered = true;
    try (ShardedClient client = builder.build()) {
      Placement placement = client.placement();
      ShardTables tables = ShardTables.list(placement, deadline);
      out.printf(
          "%-6s %-28s %-10s %14s %7s %14s %7s%n",
          "SHARD", "ADDRESS", "STATUS", "BYTES", "PIECES", "TABLE_BYTES", "TABLES");
      for (Placement.ShardPlacement shard : placement.shards()) {
        allAnswered &= shard.reachable();
        out.printf(
            "%-6d %-28s %-10s %14d %7d %s%n",
            shard.shard().index(),
            shard.shard().address(),
            shard.reachable() ? "up" : "DOWN",
            shard.totalBytes(),
            shard.pieces().size(),
            tables.summary(shard.shard().index(), "%14s %7s"));
      }
      out.println();
      out.printf("%-32s %-6s %-24s %10s %14s%n", "GROUP", "SHARD", "ELEMENTS", "VERSION", "BYTES");
      for (Placement.ShardPlacement shard : placement.shards()) {
        for (Placement.Piece piece : shard.pieces()) {
          String elements =
              piece.whole()
                  ? "all " + piece.size()
                  : "[" + piece.start() + "," + piece.end() + ") of " + piece.size();
          out.printf(
              "%-32s %-6d %-24s %10d %14d%n",
              piece.group(), shard.shard().index(), elements, piece.version(), piece.bytes());
        }
        if (!shard.reachable()) {
          out.printf("%-32s %-6d %s%n", "?", shard.shard().index(), shard.error());
        }
      }
      tables.print(out);
      allAnswered &= tables.allListed();
    }
    out.flush();
    return allAnswered ? 0 : 1;
  }
}
