package io.paramstream.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.server.ConsistencyConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real training through the real server over Netty on loopback, workers as threads each with its
 * own client (the runnable example uses processes).
 */
@Timeout(120)
class DigitsTrainingTest {

  private static final long SEED = 7;
  private static final Digits[] SPLIT = Digits.load().split(SEED, TrainingExample.TEST_ROWS);
  private static final Digits TRAIN = SPLIT[0];
  private static final Digits TEST = SPLIT[1];

  private static ParamstreamServer start(ConsistencyConfig consistency) throws Exception {
    return ParamstreamServer.start(
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
        ServerConfig.defaults(),
        consistency);
  }

  private static ParamstreamClient client(ParamstreamServer server) {
    return ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build();
  }

  /** Runs the workers on their own threads and clients; returns each one's last-epoch loss. */
  private static List<Double> train(
      ParamstreamServer server, int workers, boolean synchronous, TrainingPlan plan)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<Double>> runs = new ArrayList<>();
      for (int k = 0; k < workers; k++) {
        Worker worker = new Worker("w" + k, k, workers, synchronous, plan, null);
        runs.add(
            pool.submit(
                () -> {
                  try (ParamstreamClient client = client(server)) {
                    List<EpochResult> results = worker.run(client, TRAIN, TEST);
                    return results.get(results.size() - 1).loss();
                  }
                }));
      }
      List<Double> losses = new ArrayList<>();
      for (Future<Double> run : runs) {
        losses.add(run.get());
      }
      return losses;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void synchronousShardedWorkers_matchSingleProcessOnWholeBatches() throws Exception {
    TrainingPlan plan = new TrainingPlan(3, 60, SEED);
    float[][] reference;
    try (ParamstreamServer server = start(ConsistencyConfig.asynchronous());
        ParamstreamClient client = client(server)) {
      DigitsModel.create(client, SEED, DigitsModel.OPTIMIZER);
      train(server, 1, false, plan);
      reference = DigitsModel.pull(client);
    }
    float[][] synced;
    long steps;
    try (ParamstreamServer server = start(ConsistencyConfig.synchronous(Duration.ofSeconds(30)));
        ParamstreamClient client = client(server)) {
      DigitsModel.create(client, SEED, DigitsModel.OPTIMIZER);
      for (int k = 0; k < 3; k++) {
        client.registerWorker("w" + k);
      }
      train(server, 3, true, plan);
      synced = DigitsModel.pull(client);
      steps = client.stats().step();
    }
    int batches = plan.epochs() * plan.batchesPerEpoch(TRAIN.size());
    assertThat(steps).isEqualTo(batches);
    // The model moved: equality is not the trivial "nothing happened" one.
    assertThat(Softmax.accuracy(reference[0], reference[1], TEST)).isGreaterThan(0.85);
    for (int g = 0; g < 2; g++) {
      for (int i = 0; i < reference[g].length; i++) {
        assertThat((double) synced[g][i])
            .as("group %d element %d", g, i)
            .isCloseTo(reference[g][i], within(1e-5));
      }
    }
  }

  @Test
  void asynchronousWorkers_reachAccuracyBar() throws Exception {
    TrainingPlan plan = new TrainingPlan(30, 60, SEED);
    try (ParamstreamServer server = start(ConsistencyConfig.asynchronous());
        ParamstreamClient client = client(server)) {
      DigitsModel.create(client, SEED, DigitsModel.OPTIMIZER);
      double before = DigitsModel.accuracy(client, TEST);
      List<Double> losses = train(server, 3, false, plan);
      double after = DigitsModel.accuracy(client, TEST);
      System.out.printf("async digits: accuracy %.4f -> %.4f, losses %s%n", before, after, losses);
      assertThat(before).isLessThan(0.5);
      assertThat(after).isGreaterThanOrEqualTo(TrainingExample.ACCURACY_BAR);
      assertThat(losses).allSatisfy(loss -> assertThat(loss).isLessThan(0.3));
    }
  }
}
