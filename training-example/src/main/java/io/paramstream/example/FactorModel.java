package io.paramstream.example;

import io.paramstream.client.Hyperparameters;
import io.paramstream.client.RowInitializer;
import io.paramstream.client.TableSpec;
import java.util.Random;

/**
 * The matrix-factorisation model: a rating is predicted as the dot product of a user row and an
 * item row, each {@link #DIM} floats, held in two keyed tables; trained by plain SGD on the summed
 * squared error of mini-batches, with L2 weight decay on the rows a batch touches and a stepped
 * learning-rate schedule ({@link #schedule}). Also trains the same model in this process, with the
 * server's arithmetic, as the baseline the distributed run is compared with.
 */
final class FactorModel {
  static final String USERS = "mf.users";
  static final String ITEMS = "mf.items";
  static final int DIM = 8;
  static final Hyperparameters HYPERPARAMETERS = new Hyperparameters(0.05, 0.02);
  static final double INIT_SCALE = 0.1;

  private FactorModel() {}

  /** The users' (or items') table: keyed by user (item) id, rows from a seeded normal. */
  static TableSpec table(String name, long seed) {
    return TableSpec.builder(name, DIM)
        .keyed(0)
        .weightDecay(true)
        .hyperparameters(HYPERPARAMETERS)
        .initializer(RowInitializer.normal(INIT_SCALE, seed))
        .build();
  }

  static long userSeed(long seed) {
    return seed * 31 + 1;
  }

  static long itemSeed(long seed) {
    return seed * 31 + 2;
  }

  /**
   * The hyperparameters of an epoch: the learning rate halves for the last third of the epochs and
   * again for their last sixth, which quiets the noise of the last updates (asynchronous workers'
   * stale reads most of all).
   */
  static Hyperparameters schedule(int epoch, int epochs) {
    double lr = HYPERPARAMETERS.learningRate();
    if (epoch * 3 >= epochs * 2) {
      lr /= 2;
    }
    if (epoch * 6 >= epochs * 5) {
      lr /= 2;
    }
    return new Hyperparameters(lr, HYPERPARAMETERS.weightDecay());
  }

  /** The seed of worker {@code index}'s batch order. */
  static long batchSeed(long seed, int index) {
    return seed + 1 + index;
  }

  /** The rating indices of one epoch, shuffled, cut into batches of at most {@code batch}. */
  static int[][] batches(int count, int batch, long seed, int epoch) {
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    Random random = new Random(seed * 1_000_003L + epoch);
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[][] batches = new int[(count + batch - 1) / batch][];
    for (int b = 0; b < batches.length; b++) {
      int from = b * batch;
      batches[b] = java.util.Arrays.copyOfRange(order, from, Math.min(count, from + batch));
    }
    return batches;
  }

  /** Root-mean-square error of the predictions {@code userRows[u] . itemRows[i]}. */
  static double rmse(Ratings ratings, float[] userRows, float[] itemRows) {
    double sum = 0;
    for (int n = 0; n < ratings.size(); n++) {
      float predicted =
          FactorBatch.dot(
              userRows, ratings.users()[n] * DIM, itemRows, ratings.items()[n] * DIM, DIM);
      double error = predicted - ratings.values()[n];
      sum += error * error;
    }
    return Math.sqrt(sum / ratings.size());
  }

  /**
   * Trains the model in this process, one batch after the other, with the server's initial values
   * and update rule and the batches a single worker would take ({@link #batchSeed}), and returns
   * {@code {userRows, itemRows}} (row id i at {@code [i * DIM, (i + 1) * DIM)}).
   */
  static float[][] trainInProcess(Ratings train, int epochs, int batch, long seed) {
    float[] users = initialRows(Ratings.USERS, userSeed(seed));
    float[] items = initialRows(Ratings.ITEMS, itemSeed(seed));
    for (int epoch = 0; epoch < epochs; epoch++) {
      Hyperparameters hyperparameters = schedule(epoch, epochs);
      for (int[] indices : batches(train.size(), batch, batchSeed(seed, 0), epoch)) {
        FactorBatch step = new FactorBatch(train, indices);
        float[] userRows = gather(users, step.userIds());
        float[] itemRows = gather(items, step.itemIds());
        float[] userGradient = new float[userRows.length];
        float[] itemGradient = new float[itemRows.length];
        step.gradients(userRows, itemRows, userGradient, itemGradient, DIM);
        apply(users, step.userIds(), userGradient, hyperparameters);
        apply(items, step.itemIds(), itemGradient, hyperparameters);
      }
    }
    return new float[][] {users, items};
  }

  private static float[] initialRows(int count, long seed) {
    io.paramstream.core.table.RowInitializer initializer =
        io.paramstream.core.table.RowInitializer.normal(INIT_SCALE, seed);
    float[] rows = new float[count * DIM];
    for (int id = 0; id < count; id++) {
      initializer.fill(id, rows, id * DIM, DIM);
    }
    return rows;
  }

  private static float[] gather(float[] rows, long[] ids) {
    float[] out = new float[ids.length * DIM];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(rows, (int) ids[i] * DIM, out, i * DIM, DIM);
    }
    return out;
  }

  /** The server's SGD step with decay: theta - (float(lr) * g + float(lr * wd) * theta). */
  private static void apply(
      float[] rows, long[] ids, float[] gradient, Hyperparameters hyperparameters) {
    float step = (float) hyperparameters.learningRate();
    float decay = (float) (hyperparameters.learningRate() * hyperparameters.weightDecay());
    for (int i = 0; i < ids.length; i++) {
      int base = (int) ids[i] * DIM;
      for (int k = 0; k < DIM; k++) {
        float theta = rows[base + k];
        rows[base + k] = theta - (step * gradient[i * DIM + k] + decay * theta);
      }
    }
  }
}
