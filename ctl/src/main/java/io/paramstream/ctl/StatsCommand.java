package io.paramstream.ctl;

import io.paramstream.client.ConsistencyStats;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code stats}: the consistency mode, the synchronous step and the staleness histogram. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = "Shows the consistency mode, synchronous step and staleness histogram.")
final class StatsCommand implements Callable<Integer> {

  @Mixin Connection connection;
  @Mixin Output output;

  @Override
  public Integer call() throws Exception {
    ConsistencyStats stats = connection.withClient(client -> client.stats());
    output.print(stats, () -> table(output.out(), stats));
    return 0;
  }

  private static void table(PrintWriter out, ConsistencyStats stats) {
    out.println("mode:                  " + stats.mode());
    out.println("step:                  " + stats.step());
    out.println("max staleness:         " + stats.maxStaleness());
    out.println("rejected stale pushes: " + stats.rejectedStalePushes());
    if (!stats.staleness().isEmpty()) {
      out.printf("%n%10s %12s%n", "STALENESS", "PUSHES");
      for (Map.Entry<Long, Long> bucket : stats.staleness().entrySet()) {
        out.printf("%10d %12d%n", bucket.getKey(), bucket.getValue());
      }
    }
  }
}
