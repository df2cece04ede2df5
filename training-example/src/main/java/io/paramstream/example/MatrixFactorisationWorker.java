package io.paramstream.example;

import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushSession;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowQuery;
import io.paramstream.client.TableRows;
import java.util.List;
import java.util.Map;

/**
 * A matrix-factorisation worker process: {@code MatrixFactorisationWorker --target host:port
 * --index k --workers n --epochs e --batch b --seed s}. Started by {@link
 * MatrixFactorisationExample}; generates the ratings itself from the seed and trains on its share
 * (the ratings of every n-th user): per batch it pulls the rows of the users and items the batch
 * touches (both tables in one consistent read), computes their gradient, and pushes both tables'
 * rows in one atomic push.
 */
public final class MatrixFactorisationWorker {

  private MatrixFactorisationWorker() {}

  public static void main(String[] args) {
    Map<String, String> options = WorkerMain.parse(args);
    int index = Integer.parseInt(options.get("index"));
    int workers = Integer.parseInt(options.get("workers"));
    int epochs = Integer.parseInt(options.get("epochs"));
    int batch = Integer.parseInt(options.get("batch"));
    long seed = Long.parseLong(options.get("seed"));
    Ratings share = Ratings.generate(seed).split()[0].share(index, workers);
    try (ParamstreamClient client =
            ParamstreamClient.builder().target(options.get("target")).build();
        PushSession session = client.openPushSession()) {
      for (int epoch = 0; epoch < epochs; epoch++) {
        // Every worker sets the same schedule; whichever is first, the values agree.
        client.setTableHyperparameters(
            FactorModel.schedule(epoch, epochs), FactorModel.USERS, FactorModel.ITEMS);
        double loss = 0;
        for (int[] indices :
            FactorModel.batches(share.size(), batch, FactorModel.batchSeed(seed, index), epoch)) {
          loss += step(client, session, new FactorBatch(share, indices));
        }
        if (epoch % 10 == 9 || epoch == epochs - 1) {
          System.out.printf(
              "worker %d epoch %d: training RMSE %.4f (with weights as pulled)%n",
              index, epoch + 1, Math.sqrt(2 * loss / share.size()));
        }
      }
    }
  }

  /** One pull, gradient and push; waits for the ack so the next pull sees this push. */
  private static double step(ParamstreamClient client, PushSession session, FactorBatch batch) {
    Map<String, TableRows> rows =
        client.pullRows(
            List.of(
                RowQuery.of(FactorModel.USERS, batch.userIds()),
                RowQuery.of(FactorModel.ITEMS, batch.itemIds())));
    float[] userRows = rows.get(FactorModel.USERS).values();
    float[] itemRows = rows.get(FactorModel.ITEMS).values();
    float[] userGradient = new float[userRows.length];
    float[] itemGradient = new float[itemRows.length];
    double loss = batch.gradients(userRows, itemRows, userGradient, itemGradient, FactorModel.DIM);
    session
        .pushRows(
            List.of(
                new RowGradient(FactorModel.USERS, batch.userIds(), userGradient),
                new RowGradient(FactorModel.ITEMS, batch.itemIds(), itemGradient)))
        .join();
    return loss;
  }
}
