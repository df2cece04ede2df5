package io.paramstream.simulator;

import io.paramstream.cli.ByteSizeConverter;
import io.paramstream.cli.CommandLines;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushSession;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The server's resident memory with a given amount of parameters: starts the server jar as a
 * separate process once per JVM setting, creates groups totalling {@code --parameter-bytes}, pushes
 * to every group and pulls every group a few times, and reads the process's VmRSS and VmHWM from
 * {@code /proc/PID/status} after each phase. Compares them with the target resident size {@link
 * #targetBytes 1.25 x parameter bytes + 100 MB}. Linux only.
 */
@Command(
    name = "paramstream-memory-benchmark",
    mixinStandardHelpOptions = true,
    description = "Resident memory of a server process holding a given amount of parameters.",
    sortOptions = false)
public final class MemoryBenchmark implements Callable<Integer> {

  /** The fixed part of the target: 100 MB (decimal) for the JVM, Netty and everything else. */
  static final long TARGET_OVERHEAD_BYTES = 100_000_000L;

  @Option(names = "--server-jar", required = true, description = "The shaded server jar.")
  Path serverJar;

  @Option(
      names = "--server-jvm-args",
      description =
          "JVM options of the server process; repeat to measure several settings one after the"
              + " other. Default: one run with none (the JVM's own defaults).")
  List<String> serverJvmArgs = new ArrayList<>();

  @Option(
      names = "--server-args",
      defaultValue = "",
      description = "Extra options of the server process.")
  String serverArgs;

  @Option(
      names = "--parameter-bytes",
      defaultValue = "1073741824",
      converter = ByteSizeConverter.class,
      description = "Float32 bytes over all groups, e.g. 1GiB (default: ${DEFAULT-VALUE}).")
  long parameterBytes;

  @Option(
      names = "--groups",
      defaultValue = "16",
      description = "Number of groups, of equal size; every other one with weight decay.")
  int groups;

  @Option(
      names = "--pushes",
      defaultValue = "3",
      description = "Pushes to every group, on one push stream (default: ${DEFAULT-VALUE}).")
  int pushes;

  @Option(
      names = "--pulls",
      defaultValue = "3",
      description = "Pulls of every group (default: ${DEFAULT-VALUE}).")
  int pulls;

  @Option(
      names = "--groups-per-push",
      defaultValue = "1",
      description = "Groups in one push (default: ${DEFAULT-VALUE}).")
  int groupsPerPush;

  @Option(
      names = "--groups-per-pull",
      defaultValue = "1",
      description = "Groups in one pull (default: ${DEFAULT-VALUE}).")
  int groupsPerPull;

  @Option(
      names = "--settle",
      defaultValue = "PT2S",
      description = "Wait after each phase before reading memory (default: ${DEFAULT-VALUE}).")
  Duration settle;

  @Option(
      names = "--deadline",
      defaultValue = "PT120S",
      description = "Deadline of each call (default: ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(
      names = "--jcmd-dir",
      description =
          "After each phase also save `jcmd GC.heap_info` and `jcmd VM.native_memory summary`"
              + " (needs -XX:NativeMemoryTracking=summary in the server's JVM options) here.")
  Path jcmdDir;

  @Option(
      names = "--server-log",
      description =
          "Where the server process's stderr goes (default: <tmpdir>/paramstream-memory-server.log).")
  Path serverLog;

  @Option(names = "--report-json", description = "Also write the results as JSON here.")
  Path reportJson;

  /** Memory of the server process after one phase of a run. */
  record Phase(String name, double seconds, ProcStatus status) {}

  /**
   * One server process: its JVM options and the memory after each phase.
   *
   * @param error why the run stopped early (e.g. the server ran out of heap), or null
   */
  record Run(String jvmArgs, List<Phase> phases, String error) {}

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new MemoryBenchmark())).execute(args));
  }

  /** The target resident size: 1.25 x the parameter bytes + 100 MB. */
  static long targetBytes(long parameterBytes) {
    return parameterBytes + parameterBytes / 4 + TARGET_OVERHEAD_BYTES;
  }

  /** Sizes of {@code groups} groups holding {@code parameterBytes} of float32 between them. */
  static int[] groupSizes(long parameterBytes, int groups) {
    if (parameterBytes <= 0 || parameterBytes % Float.BYTES != 0) {
      throw new IllegalArgumentException(
          "parameter bytes must be a positive multiple of 4, got " + parameterBytes);
    }
    long floats = parameterBytes / Float.BYTES;
    if (groups <= 0 || groups > floats) {
      throw new IllegalArgumentException(
          "groups must be between 1 and " + floats + ", got " + groups);
    }
    long each = floats / groups;
    long extra = floats % groups;
    if (each + (extra > 0 ? 1 : 0) > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("groups of " + each + " floats are too large; use more");
    }
    int[] sizes = new int[groups];
    for (int i = 0; i < groups; i++) {
      sizes[i] = (int) (each + (i < extra ? 1 : 0));
    }
    return sizes;
  }

  @Override
  public Integer call() throws Exception {
    int[] sizes = groupSizes(parameterBytes, groups);
    List<String> settings = serverJvmArgs.isEmpty() ? List.of("") : serverJvmArgs;
    long target = targetBytes(parameterBytes);
    System.err.printf(
        Locale.ROOT,
        "%d groups, %d parameter bytes; target resident size %.1f MB%n",
        groups,
        parameterBytes,
        target / 1e6);
    if (jcmdDir != null) {
      Files.createDirectories(jcmdDir);
    }
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < settings.size(); i++) {
      runs.add(measure(i + 1, settings.get(i), sizes));
    }
    System.out.print(table(runs, target));
    if (reportJson != null) {
      Files.writeString(reportJson, json(runs, parameterBytes, groups), StandardCharsets.UTF_8);
    }
    return 0;
  }

  private Run measure(int index, String jvmArgs, int[] sizes) throws Exception {
    System.err.println("setting " + index + ": " + label(jvmArgs));
    long startNanos = System.nanoTime();
    Process server = ServerJarProcess.start(serverJar, jvmArgs, serverArgs, logFile());
    List<Phase> phases = new ArrayList<>();
    String error = null;
    try {
      String serverTarget = ServerJarProcess.awaitTarget(server, logFile());
      phases.add(phase(index, server, "started", startNanos));
      try (ParamstreamClient client =
          ParamstreamClient.builder().target(serverTarget).plaintext().deadline(deadline).build()) {
        String[] names = new String[sizes.length];
        Map<Integer, float[]> initial = new HashMap<>();
        long phaseNanos = System.nanoTime();
        for (int g = 0; g < sizes.length; g++) {
          names[g] = "layer-" + g;
          float[] values = initial.computeIfAbsent(sizes[g], MemoryBenchmark::initialValues);
          client.createGroup(new GroupSpec(names[g], values, g % 2 == 0, null));
        }
        initial.clear();
        phases.add(phase(index, server, "created", phaseNanos));

        Map<Integer, float[]> gradients = new HashMap<>();
        try (PushSession session = client.openPushSession()) {
          phaseNanos = System.nanoTime();
          for (int round = 0; round < pushes; round++) {
            for (int from = 0; from < names.length; from += groupsPerPush) {
              Map<String, float[]> push = new LinkedHashMap<>();
              for (int g = from; g < Math.min(names.length, from + groupsPerPush); g++) {
                push.put(names[g], gradients.computeIfAbsent(sizes[g], MemoryBenchmark::gradient));
              }
              session.push(push).join();
            }
          }
          gradients.clear();
          phases.add(phase(index, server, "pushed", phaseNanos));

          // The push stream stays open so its retained staging buffers count in this phase too.
          phaseNanos = System.nanoTime();
          for (int round = 0; round < pulls; round++) {
            for (int from = 0; from < names.length; from += groupsPerPull) {
              client.pull(
                  Arrays.copyOfRange(names, from, Math.min(names.length, from + groupsPerPull)));
            }
          }
          phases.add(phase(index, server, "pulled", phaseNanos));
        }
      }
    } catch (RuntimeException e) {
      // Typically the server ran out of heap; record it and measure the next setting.
      error = String.valueOf(e.getMessage());
      System.err.println("  failed: " + error);
      if (server.isAlive()) {
        phases.add(phase(index, server, "failed", System.nanoTime()));
      }
    } finally {
      BenchmarkServer.stop(server);
    }
    return new Run(jvmArgs, phases, error);
  }

  private Phase phase(int index, Process server, String name, long startNanos)
      throws IOException, InterruptedException {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    Thread.sleep(settle.toMillis());
    ProcStatus status = ProcStatus.read(server.pid());
    System.err.printf(
        Locale.ROOT,
        "  %-8s %6.1f s  VmRSS %7.1f MB  VmHWM %7.1f MB%n",
        name,
        seconds,
        status.vmRssBytes() / 1e6,
        status.vmHwmBytes() / 1e6);
    if (jcmdDir != null) {
      String prefix = "setting-" + index + "-" + name + "-";
      jcmd(server.pid(), jcmdDir.resolve(prefix + "heap.txt"), "GC.heap_info");
      jcmd(server.pid(), jcmdDir.resolve(prefix + "nmt.txt"), "VM.native_memory", "summary");
    }
    return new Phase(name, seconds, status);
  }

  private static void jcmd(long pid, Path out, String... command)
      throws IOException, InterruptedException {
    List<String> line = new ArrayList<>();
    line.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    line.add(Long.toString(pid));
    line.addAll(List.of(command));
    Process jcmd =
        new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!jcmd.waitFor(60, TimeUnit.SECONDS)) {
      jcmd.destroyForcibly();
    }
  }

  /** Initial values with non-zero bits, so the client sends them and the server stages them. */
  private static float[] initialValues(int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (i % 1000) * 1e-4f;
    }
    return values;
  }

  private static float[] gradient(int size) {
    float[] values = new float[size];
    Arrays.fill(values, 1e-3f);
    return values;
  }

  static String label(String jvmArgs) {
    return jvmArgs.isBlank() ? "(JVM defaults)" : jvmArgs.trim();
  }

  static String table(List<Run> runs, long targetBytes) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "target resident size: %.1f MB%n"
                + "| server JVM options | phase | seconds | VmRSS MB | VmHWM MB | RssAnon MB"
                + " | RSS / target | HWM / target |%n",
            targetBytes / 1e6));
    out.append("|---|---|---|---|---|---|---|---|\n");
    for (Run run : runs) {
      for (Phase p : run.phases()) {
        ProcStatus s = p.status();
        out.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f |%n",
                "`" + label(run.jvmArgs()) + "`",
                p.name(),
                p.seconds(),
                s.vmRssBytes() / 1e6,
                s.vmHwmBytes() / 1e6,
                s.rssAnonBytes() / 1e6,
                (double) s.vmRssBytes() / targetBytes,
                (double) s.vmHwmBytes() / targetBytes));
      }
      if (run.error() != null) {
        out.append("| `")
            .append(label(run.jvmArgs()))
            .append("` | failed: ")
            .append(run.error().replace('|', '/').replace('\n', ' '))
            .append(" | | | | | | |\n");
      }
    }
    return out.toString();
  }

  static String json(List<Run> runs, long parameterBytes, int groups) {
    long target = targetBytes(parameterBytes);
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "{\"parameterBytes\": %d, \"groups\": %d, \"targetBytes\": %d, \"runs\": [%n",
            parameterBytes,
            groups,
            target));
    for (int r = 0; r < runs.size(); r++) {
      Run run = runs.get(r);
      out.append("  {\"serverJvmArgs\": ")
          .append(ReportFormats.quote(run.jvmArgs().trim()))
          .append(", \"error\": ")
          .append(run.error() == null ? "null" : ReportFormats.quote(run.error()))
          .append(", \"phases\": [\n");
      for (int i = 0; i < run.phases().size(); i++) {
        Phase p = run.phases().get(i);
        ProcStatus s = p.status();
        out.append(
            String.format(
                Locale.ROOT,
                "    {\"phase\": %s, \"seconds\": %.3f, \"vmRssBytes\": %d, \"vmHwmBytes\": %d,"
                    + " \"rssAnonBytes\": %d, \"rssFileBytes\": %d, \"rssToTarget\": %.4f,"
                    + " \"hwmToTarget\": %.4f}%s%n",
                ReportFormats.quote(p.name()),
                p.seconds(),
                s.vmRssBytes(),
                s.vmHwmBytes(),
                s.rssAnonBytes(),
                s.rssFileBytes(),
                (double) s.vmRssBytes() / target,
                (double) s.vmHwmBytes() / target,
                i + 1 < run.phases().size() ? "," : ""));
      }
      out.append("  ]}").append(r + 1 < runs.size() ? "," : "").append('\n');
    }
    return out.append("]}\n").toString();
  }

  private File logFile() {
    return serverLog != null
        ? serverLog.toFile()
        : new File(System.getProperty("java.io.tmpdir"), "paramstream-memory-server.log");
  }
}
