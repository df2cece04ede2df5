package io.paramstream.simulator;

import io.paramstream.proto.v1.TableInfo;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The table benchmark's memory part: a fresh server process holding one keyed table of {@code rows}
 * x {@code dim} floats with every row touched, then pushed and pulled {@value #STEPS_AFTER_FILL}
 * times like the throughput part does, against the target resident size, {@link
 * #targetBytes 1.3 x the float bytes + 100 MB}. Linux only ({@code /proc/PID/status}).
 */
final class TableMemory {
  /** The fixed part of the target: 100 MB (decimal) for the JVM, Netty and everything else. */
  static final long TARGET_OVERHEAD_BYTES = 100_000_000L;

  private static final int STEPS_AFTER_FILL = 64;

  private TableMemory() {}

  /**
   * The server's memory after the keyed table was filled, and what it reported for the table.
   *
   * @param status the server process's memory, read after the settle time
   * @param tableRows rows the server says the table holds
   * @param tableBytes float bytes (with optimizer state) the server says the table holds
   */
  record Result(
      String jvmArgs,
      long floatBytes,
      long targetBytes,
      double fillSeconds,
      ProcStatus status,
      long tableRows,
      long tableBytes) {

    double rssToTarget() {
      return (double) status.vmRssBytes() / targetBytes;
    }

    double hwmToTarget() {
      return (double) status.vmHwmBytes() / targetBytes;
    }
  }

  /** 1.3 x the float bytes + 100 MB. */
  static long targetBytes(long floatBytes) {
    return floatBytes + floatBytes * 3 / 10 + TARGET_OVERHEAD_BYTES;
  }

  static Result measure(
      Path serverJar,
      String jvmArgs,
      String serverArgs,
      File log,
      TableWorkloads.Shape shape,
      Duration settle)
      throws Exception {
    try (BenchmarkServer server = BenchmarkServer.start(serverJar, jvmArgs, serverArgs, log)) {
      TableInfo info;
      long started = System.nanoTime();
      try (TableWorkloads worker = new TableWorkloads(server.target(), shape, 11)) {
        worker.create(List.of(TableWorkloads.Kind.KEYED));
        worker.touchEveryKeyedRow();
        // Then the training steps the throughput part measures, so read and write buffers count.
        for (int step = 0; step < STEPS_AFTER_FILL; step++) {
          worker.push(TableWorkloads.Kind.KEYED);
          worker.pull(TableWorkloads.Kind.KEYED);
        }
        info = worker.keyedInfo();
      }
      double fillSeconds = (System.nanoTime() - started) / 1e9;
      Thread.sleep(settle.toMillis());
      ProcStatus status = ProcStatus.read(server.process().pid());
      Result result =
          new Result(
              jvmArgs,
              shape.floatBytes(),
              targetBytes(shape.floatBytes()),
              fillSeconds,
              status,
              info.getRows(),
              info.getBytes());
      System.err.printf(
          Locale.ROOT,
          "keyed table %d x %d filled in %.1f s: %d rows, %.1f MB of floats; VmRSS %.1f MB,"
              + " VmHWM %.1f MB, target %.1f MB%n",
          shape.rows(),
          shape.dim(),
          fillSeconds,
          info.getRows(),
          info.getBytes() / 1e6,
          status.vmRssBytes() / 1e6,
          status.vmHwmBytes() / 1e6,
          result.targetBytes() / 1e6);
      return result;
    }
  }

  static String table(Result r) {
    return String.format(
        Locale.ROOT,
        "| server JVM options | table rows | float MB | target MB | VmRSS MB | VmHWM MB | RssAnon MB"
            + " | RSS / target | HWM / target |%n|---|---|---|---|---|---|---|---|---|%n"
            + "| `%s` | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f |%n",
        MemoryBenchmark.label(r.jvmArgs()),
        r.tableRows(),
        r.floatBytes() / 1e6,
        r.targetBytes() / 1e6,
        r.status().vmRssBytes() / 1e6,
        r.status().vmHwmBytes() / 1e6,
        r.status().rssAnonBytes() / 1e6,
        r.rssToTarget(),
        r.hwmToTarget());
  }

  static String json(Result r) {
    return String.format(
        Locale.ROOT,
        "{\"serverJvmArgs\": %s, \"floatBytes\": %d, \"targetBytes\": %d, \"fillSeconds\": %.3f,"
            + " \"tableRows\": %d, \"tableBytes\": %d, \"vmRssBytes\": %d, \"vmHwmBytes\": %d,"
            + " \"rssAnonBytes\": %d, \"rssToTarget\": %.4f, \"hwmToTarget\": %.4f}",
        ReportFormats.quote(r.jvmArgs().trim()),
        r.floatBytes(),
        r.targetBytes(),
        r.fillSeconds(),
        r.tableRows(),
        r.tableBytes(),
        r.status().vmRssBytes(),
        r.status().vmHwmBytes(),
        r.status().rssAnonBytes(),
        r.rssToTarget(),
        r.hwmToTarget());
  }
}
