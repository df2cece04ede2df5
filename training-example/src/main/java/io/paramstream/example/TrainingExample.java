package io.paramstream.example;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.cli.CommandLines;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.server.ConsistencyConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The runnable example: starts a parameter server on loopback, creates the digits model on it,
 * launches worker processes that train it, and reports the held-out accuracy. Exits 0 when the
 * held-out accuracy reaches {@link #ACCURACY_BAR}, 1 below it, 2 on a bad option.
 */
@Command(
    name = "training-example",
    mixinStandardHelpOptions = true,
    description = {
      "Trains softmax regression on handwritten digits with worker processes through a real"
          + " Paramstream server on loopback, and reports the held-out accuracy."
    },
    sortOptions = false)
public final class TrainingExample implements Callable<Integer> {

  /** Rows held out for testing; the rest train. */
  public static final int TEST_ROWS = 360;

  public static final double ACCURACY_BAR = 0.93;

  /** How the server applies the workers' pushes. */
  enum Mode {
    /** Each push applied as it arrives. */
    ASYNC,
    /** Bulk synchronous: one averaged step once every worker pushed. */
    SYNC
  }

  /** The optimizer of both groups. */
  enum Optimizer {
    NESTEROV,
    SGD,
    ADAM,
    ADAMW;

    OptimizerSpec spec() {
      return switch (this) {
        case NESTEROV -> DigitsModel.OPTIMIZER;
        case SGD -> OptimizerSpec.sgd(0, 0, false);
        case ADAM -> OptimizerSpec.adam(0.9, 0.999, 1e-8);
        case ADAMW -> OptimizerSpec.adamW(0.9, 0.999, 1e-8);
      };
    }
  }

  @Option(
      names = "--workers",
      defaultValue = "3",
      description = "Worker processes (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--mode",
      defaultValue = "async",
      description = "async or sync (BSP) (default: ${DEFAULT-VALUE}).")
  Mode mode;

  @Option(
      names = "--epochs",
      defaultValue = "30",
      description = "Passes over the training rows (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch",
      defaultValue = "60",
      description =
          "Rows per batch; in sync mode shared among the workers (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--seed",
      defaultValue = "7",
      description =
          "Seed of the split, the initial weights and the batch order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--lr", description = "Learning rate (default: the model's, 0.1).")
  Double lr;

  @Option(
      names = "--optimizer",
      defaultValue = "nesterov",
      description = "${COMPLETION-CANDIDATES}, in any case (default: ${DEFAULT-VALUE}).")
  Optimizer optimizer;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      description =
          "Also write training.csv (loss and held-out accuracy per epoch per worker, and their"
              + " mean) and training.html (both plotted, one line per worker; a self-contained"
              + " page) into DIR, created if needed (default: no report).")
  Path reportDir;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The example's command line, with the shared converters and one-line usage errors. */
  static CommandLine commandLine() {
    return CommandLines.configure(new CommandLine(new TrainingExample()));
  }

  @Override
  public Integer call() throws Exception {
    boolean synchronous = mode == Mode.SYNC;
    String modeName = mode.name().toLowerCase(Locale.ROOT);
    double learningRate = lr != null ? lr : DigitsModel.HYPERPARAMETERS.learningRate();
    ConsistencyConfig consistency =
        synchronous
            ? ConsistencyConfig.synchronous(Duration.ofSeconds(30))
            : ConsistencyConfig.asynchronous();
    try (ParamstreamServer server =
            ParamstreamServer.start(
                NettyServerBuilder.forAddress(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                ServerConfig.defaults(),
                consistency);
        ParamstreamClient client =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build()) {
      Digits test = Digits.load().split(seed, TEST_ROWS)[1];
      DigitsModel.create(
          client,
          seed,
          optimizer.spec(),
          new Hyperparameters(learningRate, DigitsModel.HYPERPARAMETERS.weightDecay()));
      double before = DigitsModel.accuracy(client, test);
      System.out.printf(
          "server on 127.0.0.1:%d, %s mode, %d worker processes; held-out accuracy before: %.3f%n",
          server.port(), modeName, workers, before);
      if (synchronous) {
        for (int k = 0; k < workers; k++) {
          client.registerWorker("worker-" + k);
        }
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Path resultsDir = reportDir == null ? null : Files.createTempDirectory("digits-results");
      List<Process> processes = new ArrayList<>();
      for (int k = 0; k < workers; k++) {
        List<String> command =
            new ArrayList<>(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    WorkerMain.class.getName(),
                    "--target",
                    "127.0.0.1:" + server.port(),
                    "--index",
                    String.valueOf(k),
                    "--workers",
                    String.valueOf(workers),
                    "--mode",
                    modeName,
                    "--epochs",
                    String.valueOf(epochs),
                    "--batch",
                    String.valueOf(batch),
                    "--seed",
                    String.valueOf(seed)));
        if (resultsDir != null) {
          command.addAll(List.of("--results", resultsFile(resultsDir, k).toString()));
        }
        processes.add(new ProcessBuilder(command).redirectErrorStream(true).start());
      }
      List<Thread> copiers = new ArrayList<>();
      for (Process process : processes) {
        copiers.add(copyLines(process));
      }
      int failed = 0;
      for (Process process : processes) {
        if (process.waitFor() != 0) {
          failed++;
        }
      }
      for (Thread copier : copiers) {
        copier.join();
      }
      double accuracy = DigitsModel.accuracy(client, test);
      System.out.printf(
          "held-out accuracy after training: %.4f (%d test rows, bar %.2f)%n",
          accuracy, test.size(), ACCURACY_BAR);
      if (failed > 0) {
        System.out.println(failed + " worker process(es) failed");
      }
      if (resultsDir != null) {
        writeReport(resultsDir, before, accuracy, modeName, learningRate);
      }
      return failed == 0 && accuracy >= ACCURACY_BAR ? 0 : 1;
    }
  }

  /**
   * Copies a worker's output to this process's {@code System.out} line by line (whole lines, and
   * where whatever captures this process's output, a test runner, sees them).
   */
  static Thread copyLines(Process process) {
    Thread copier =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  System.out.println(line);
                }
              } catch (IOException e) {
                System.out.println("worker output lost: " + e.getMessage());
              }
            },
            "worker-output-" + process.pid());
    copier.setDaemon(true);
    copier.start();
    return copier;
  }

  private static Path resultsFile(Path resultsDir, int worker) {
    return resultsDir.resolve("worker-" + worker + ".csv");
  }

  /**
   * Merges the workers' result files (a worker that failed left none, and is missing from the
   * report) into the report, then removes them.
   */
  private void writeReport(
      Path resultsDir, double before, double after, String modeName, double learningRate)
      throws IOException {
    List<EpochResult> results = new ArrayList<>();
    for (int k = 0; k < workers; k++) {
      Path file = resultsFile(resultsDir, k);
      if (Files.exists(file)) {
        results.addAll(TrainingReport.readCsv(file));
        Files.delete(file);
      }
    }
    Files.delete(resultsDir);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("mode", modeName);
    settings.put("workers", workers + " processes");
    settings.put("epochs", String.valueOf(epochs));
    settings.put("batch", batch + " rows");
    settings.put("optimizer", optimizer.name().toLowerCase(Locale.ROOT));
    settings.put("learning rate", String.valueOf(learningRate));
    settings.put("seed", String.valueOf(seed));
    settings.put(
        "held-out accuracy",
        String.format(Locale.ROOT, "%.4f before, %.4f after training", before, after));
    TrainingReport.write(reportDir, results, settings);
    System.out.printf(
        "report: %s, %s%n",
        reportDir.resolve(TrainingReport.CSV), reportDir.resolve(TrainingReport.HTML));
  }
}
