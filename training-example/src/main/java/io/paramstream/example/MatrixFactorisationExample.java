package io.paramstream.example;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.cli.CommandLines;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The matrix-factorisation example: starts a parameter server on loopback, creates the user and
 * item tables (keyed, {@link FactorModel#DIM} floats per row), launches worker processes that train
 * them on a seeded synthetic rating set with a known rank-8 ground truth, then trains the same
 * model in this process and compares the held-out RMSE of both. Exits 0 when the distributed
 * model's held-out RMSE is within {@link #TOLERANCE} of the in-process one's, 1 otherwise, 2 on a
 * bad option.
 */
@Command(
    name = "matrix-factorisation-example",
    mixinStandardHelpOptions = true,
    description = {
      "Trains a matrix factorisation (user and item embeddings in two sparse tables) with worker"
          + " processes through a real Paramstream server on loopback, and compares its held-out"
          + " RMSE with the same model trained in one process."
    },
    sortOptions = false)
public final class MatrixFactorisationExample implements Callable<Integer> {

  /** The distributed RMSE may be at most this much worse than the in-process one (5%). */
  public static final double TOLERANCE = 0.05;

  @Option(
      names = "--workers",
      defaultValue = "3",
      description = "Worker processes (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--epochs",
      defaultValue = "30",
      description = "Passes over the training ratings (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch",
      defaultValue = "1024",
      description = "Ratings per push (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--seed",
      defaultValue = "7",
      description =
          "Seed of the ratings, the initial rows and the batch order (default: ${DEFAULT-VALUE}).")
  long seed;

  /** Both held-out RMSEs of the last run, for tests. */
  record Outcome(double untrained, double distributed, double inProcess, int failedWorkers) {
    boolean withinTolerance() {
      return failedWorkers == 0 && distributed <= inProcess * (1 + TOLERANCE);
    }
  }

  Outcome outcome;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return commandLine(new MatrixFactorisationExample());
  }

  static CommandLine commandLine(MatrixFactorisationExample example) {
    return CommandLines.configure(new CommandLine(example));
  }

  @Override
  public Integer call() throws Exception {
    if (workers < 1 || epochs < 1 || batch < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--workers, --epochs and --batch must be >= 1");
    }
    Ratings[] split = Ratings.generate(seed).split();
    long started = System.nanoTime();
    double untrained;
    double distributed;
    int failed;
    try (ParamstreamServer server =
            ParamstreamServer.start(
                NettyServerBuilder.forAddress(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                ServerConfig.defaults());
        ParamstreamClient client =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build()) {
      client.createTable(FactorModel.table(FactorModel.USERS, FactorModel.userSeed(seed)));
      client.createTable(FactorModel.table(FactorModel.ITEMS, FactorModel.itemSeed(seed)));
      System.out.printf(
          "server on 127.0.0.1:%d; %d ratings (%d users x %d items, rank %d, noise %.2f),"
              + " %d training, %d held out; %d worker processes%n",
          server.port(),
          Ratings.COUNT,
          Ratings.USERS,
          Ratings.ITEMS,
          Ratings.RANK,
          Ratings.NOISE,
          split[0].size(),
          split[1].size(),
          workers);
      untrained = heldOutRmse(client, split[1]);
      failed = runWorkers(server.port());
      distributed = heldOutRmse(client, split[1]);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    float[][] baseline = FactorModel.trainInProcess(split[0], epochs, batch, seed);
    double inProcess = FactorModel.rmse(split[1], baseline[0], baseline[1]);
    outcome = new Outcome(untrained, distributed, inProcess, failed);
    System.out.printf(
        "held-out RMSE: %.4f untrained; %.4f with %d workers through the server (%.1f s), %.4f"
            + " trained in one process; ratio %.3f (bar %.2f)%n",
        untrained,
        distributed,
        workers,
        seconds,
        inProcess,
        distributed / inProcess,
        1 + TOLERANCE);
    if (failed > 0) {
      System.out.println(failed + " worker process(es) failed");
    }
    return outcome.withinTolerance() ? 0 : 1;
  }

  private int runWorkers(int port) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    for (int k = 0; k < workers; k++) {
      processes.add(
          new ProcessBuilder(
                  java,
                  // Workers do little arithmetic per round trip: the quick compiler and one GC
                  // thread leave the CPU to the server and the other workers.
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-cp",
                  System.getProperty("java.class.path"),
                  MatrixFactorisationWorker.class.getName(),
                  "--target",
                  "127.0.0.1:" + port,
                  "--index",
                  String.valueOf(k),
                  "--workers",
                  String.valueOf(workers),
                  "--epochs",
                  String.valueOf(epochs),
                  "--batch",
                  String.valueOf(batch),
                  "--seed",
                  String.valueOf(seed))
              .redirectErrorStream(true)
              .start());
    }
    List<Thread> copiers = new ArrayList<>();
    for (Process process : processes) {
      copiers.add(TrainingExample.copyLines(process));
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
    return failed;
  }

  /** The held-out RMSE of the model on the server (rows never pushed read as initialized). */
  private static double heldOutRmse(ParamstreamClient client, Ratings heldOut) {
    return FactorModel.rmse(
        heldOut,
        client.pullRows(FactorModel.USERS, ids(Ratings.USERS)).values(),
        client.pullRows(FactorModel.ITEMS, ids(Ratings.ITEMS)).values());
  }

  private static long[] ids(int count) {
    return LongStream.range(0, count).toArray();
  }
}
