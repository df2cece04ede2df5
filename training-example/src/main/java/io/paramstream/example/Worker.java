package io.paramstream.example;

import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushOptions;
import io.paramstream.client.PushSession;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One training worker: pull the model, compute the gradient of its rows, push, repeat.
 *
 * <p>Synchronous: for every batch the worker takes its own shard and pushes with its worker id; the
 * server averages the shards and applies once per step. Asynchronous: worker k takes the whole
 * batches k, k + n, k + 2n, ... and its pushes are applied as they come.
 *
 * @param id worker id (registered with the server in synchronous mode)
 * @param index this worker's position among {@code workers}
 * @param synchronous whether the server runs BSP
 * @param log where to print the loss and accuracy per epoch, or null for silence
 */
public record Worker(
    String id, int index, int workers, boolean synchronous, TrainingPlan plan, PrintStream log) {

  /**
   * Trains through {@code client} on {@code train}; returns one result per epoch: its mean training
   * loss, and the held-out accuracy on {@code test} of the model pulled at the end of the epoch.
   */
  public List<EpochResult> run(ParamstreamClient client, Digits train, Digits test) {
    int batches = plan.batchesPerEpoch(train.size());
    float[] gradW = new float[Softmax.WEIGHTS];
    float[] gradB = new float[Softmax.BIASES];
    PushOptions options = synchronous ? PushOptions.worker(id) : PushOptions.NONE;
    List<EpochResult> results = new ArrayList<>();
    try (PushSession session = client.openPushSession()) {
      for (int epoch = 0; epoch < plan.epochs(); epoch++) {
        double lossSum = 0;
        int counted = 0;
        for (int t = 0; t < batches; t++) {
          int[] rows;
          if (synchronous) {
            rows = TrainingPlan.shard(plan.batch(train.size(), epoch, t), index, workers);
          } else if (t % workers == index) {
            rows = plan.batch(train.size(), epoch, t);
          } else {
            continue;
          }
          float[][] model = DigitsModel.pull(client);
          lossSum += Softmax.lossAndGradient(model[0], model[1], train, rows, gradW, gradB);
          counted++;
          await(
              session.push(Map.of(DigitsModel.WEIGHTS, gradW, DigitsModel.BIASES, gradB), options));
        }
        EpochResult result =
            new EpochResult(epoch + 1, id, lossSum / counted, DigitsModel.accuracy(client, test));
        results.add(result);
        if (log != null) {
          // One println per line keeps lines whole when several processes share a terminal.
          log.println(
              String.format(
                  "worker %s epoch %2d: training loss %.4f, held-out accuracy %.4f",
                  id, result.epoch(), result.loss(), result.accuracy()));
          log.flush();
        }
      }
    }
    return results;
  }

  private static void await(CompletableFuture<?> ack) {
    try {
      ack.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no ack within 60 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
