package io.paramstream.simulator;

import io.paramstream.cli.CommandLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The simulator command line: {@code java -jar paramstream-simulator-all.jar [options]}. */
@Command(
    name = "paramstream-simulator",
    mixinStandardHelpOptions = true,
    version = "paramstream-simulator 0.1.0",
    description = {
      "Simulates training workers that push gradients to and pull weights from a Paramstream"
          + " server, and reports throughput and latency.",
      "Example: --embedded --workers 2 --groups 4 --group-size 65536 --duration PT10S"
    },
    sortOptions = false)
public final class SimulatorMain implements Callable<Integer> {

  static final class Server {
    @Option(names = "--target", required = true, description = "Server address host:port.")
    String target;

    @Option(
        names = "--embedded",
        required = true,
        description = "Start a server in this process on 127.0.0.1 (free port) and load it.")
    boolean embedded;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Server server;

  @Option(
      names = "--workers",
      defaultValue = "1",
      description =
          "Simulated workers, each with"
              + " its own channel and streams (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--groups",
      defaultValue = "4",
      description = "Parameter groups in the model" + " (default: ${DEFAULT-VALUE}).")
  int groups;

  @Option(
      names = "--group-size",
      defaultValue = "65536",
      description = "Float32 elements per" + " group (default: ${DEFAULT-VALUE}).")
  int groupSize;

  @Option(
      names = "--decay-groups",
      description = "How many groups use weight decay (default:" + " half, rounded up).")
  Integer decayGroups;

  @Option(
      names = "--mode",
      defaultValue = "closed",
      description =
          "closed (K in flight per"
              + " worker) or open (Poisson arrivals at --rate) (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--in-flight",
      defaultValue = "8",
      description =
          "Operations in flight per" + " worker, closed loop (default: ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description =
          "Total operations per second over"
              + " all workers, open loop; latency counts from the intended send time.")
  double rate;

  @Option(
      names = "--workload",
      defaultValue = "push",
      description = "push, pull, push-pull or" + " push-watch (default: ${DEFAULT-VALUE}).")
  String workload;

  @Option(
      names = "--warmup",
      defaultValue = "PT2S",
      description = "Warm-up, e.g. 2s or PT2S, not measured (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--duration",
      defaultValue = "PT10S",
      description = "Measured time, e.g. 10s, 5m or PT10S (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of gradients and arrival" + " times (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--group-prefix",
      description =
          "Prefix of the simulated groups' names"
              + " (default: sim-<random>-); they are deleted at the end.")
  String groupPrefix;

  @Option(
      names = "--client-executor",
      defaultValue = "direct",
      description =
          "Where the workers' gRPC callbacks run: direct (network threads, fewer thread hops)"
              + " or pool (gRPC's thread pool, the client library's default)"
              + " (default: ${DEFAULT-VALUE}).")
  String clientExecutor;

  @Option(names = "--report-json", description = "Write the JSON report to this file.")
  Path reportJson;

  @Option(names = "--report-html", description = "Write a self-contained HTML report here.")
  Path reportHtml;

  @Option(names = "--quiet", description = "No live progress line.")
  boolean quiet;

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new SimulatorMain())).execute(args));
  }

  SimulationConfig config() {
    String prefix =
        groupPrefix != null
            ? groupPrefix
            : "sim-" + Long.toHexString(System.nanoTime() & 0xffffffL) + "-";
    return new SimulationConfig(
        workers,
        groups,
        groupSize,
        decayGroups != null ? decayGroups : (groups + 1) / 2,
        SimulationConfig.Mode.valueOf(mode.toUpperCase(Locale.ROOT)),
        inFlight,
        rate,
        SimulationConfig.Workload.valueOf(workload.toUpperCase(Locale.ROOT).replace('-', '_')),
        warmup,
        duration,
        seed,
        prefix,
        SimulationConfig.ClientExecutor.valueOf(clientExecutor.toUpperCase(Locale.ROOT)));
  }

  @Override
  public Integer call() throws Exception {
    SimulationConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      System.err.println("invalid options: " + e.getMessage());
      return 2;
    }
    RunReport report;
    if (server.embedded) {
      try (EmbeddedServer embedded = EmbeddedServer.start()) {
        System.err.println("embedded server on " + embedded.target());
        report = run(config, embedded.target());
      }
    } else {
      report = run(config, server.target);
    }
    System.out.print(ReportFormats.text(report));
    write(reportJson, ReportFormats.json(report));
    write(reportHtml, ReportFormats.html(report));
    return report.totalErrors() == 0 ? 0 : 1;
  }

  private RunReport run(SimulationConfig config, String target) throws InterruptedException {
    return new Simulation(config, target, quiet ? null : System.err).run();
  }

  private static void write(Path path, String content) throws IOException {
    if (path != null) {
      Files.writeString(path, content, StandardCharsets.UTF_8);
    }
  }
}
