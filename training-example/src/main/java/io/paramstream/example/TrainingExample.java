package io.paramstream.example;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.server.ConsistencyConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runnable example: starts a parameter server on loopback, creates the digits model on it,
 * launches worker processes that train it, and reports the held-out accuracy.
 *
 * <p>Options: {@code --workers 3 --mode async|sync --epochs 30 --batch 60 --seed 7 --lr 0.1
 * --optimizer nesterov|sgd|adam|adamw}. Exits 0 when the held-out accuracy reaches {@link
 * #ACCURACY_BAR}.
 */
public final class TrainingExample {

  /** Rows held out for testing; the rest train. */
  public static final int TEST_ROWS = 360;

  public static final double ACCURACY_BAR = 0.93;

  private TrainingExample() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = WorkerMain.parse(args);
    int workers = Integer.parseInt(options.getOrDefault("workers", "3"));
    String mode = options.getOrDefault("mode", "async");
    String epochs = options.getOrDefault("epochs", "30");
    String batch = options.getOrDefault("batch", "60");
    String seed = options.getOrDefault("seed", "7");
    double lr =
        Double.parseDouble(
            options.getOrDefault("lr", String.valueOf(DigitsModel.HYPERPARAMETERS.learningRate())));
    OptimizerSpec optimizer =
        switch (options.getOrDefault("optimizer", "nesterov")) {
          case "nesterov" -> DigitsModel.OPTIMIZER;
          case "sgd" -> OptimizerSpec.sgd(0, 0, false);
          case "adam" -> OptimizerSpec.adam(0.9, 0.999, 1e-8);
          case "adamw" -> OptimizerSpec.adamW(0.9, 0.999, 1e-8);
          default ->
              throw new IllegalArgumentException("--optimizer is nesterov, sgd, adam or adamw");
        };
    boolean synchronous = mode.equals("sync");
    if (!synchronous && !mode.equals("async")) {
      throw new IllegalArgumentException("--mode is async or sync, got " + mode);
    }

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
      Digits test = Digits.load().split(Long.parseLong(seed), TEST_ROWS)[1];
      DigitsModel.create(
          client,
          Long.parseLong(seed),
          optimizer,
          new Hyperparameters(lr, DigitsModel.HYPERPARAMETERS.weightDecay()));
      System.out.printf(
          "server on 127.0.0.1:%d, %s mode, %d worker processes; held-out accuracy before: %.3f%n",
          server.port(), mode, workers, DigitsModel.accuracy(client, test));
      if (synchronous) {
        for (int k = 0; k < workers; k++) {
          client.registerWorker("worker-" + k);
        }
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<Process> processes = new ArrayList<>();
      for (int k = 0; k < workers; k++) {
        processes.add(
            new ProcessBuilder(
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
                    mode,
                    "--epochs",
                    epochs,
                    "--batch",
                    batch,
                    "--seed",
                    seed)
                .inheritIO()
                .start());
      }
      int failed = 0;
      for (Process process : processes) {
        if (process.waitFor() != 0) {
          failed++;
        }
      }
      double accuracy = DigitsModel.accuracy(client, test);
      System.out.printf(
          "held-out accuracy after training: %.4f (%d test rows, bar %.2f)%n",
          accuracy, test.size(), ACCURACY_BAR);
      if (failed > 0) {
        System.out.println(failed + " worker process(es) failed");
      }
      System.exit(failed == 0 && accuracy >= ACCURACY_BAR ? 0 : 1);
    }
  }
}
