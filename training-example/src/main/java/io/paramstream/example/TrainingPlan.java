package io.paramstream.example;

import java.util.Random;

/**
 * The schedule every worker follows: the same seeded batch order, so workers agree on what batch t
 * is without talking to each other.
 *
 * @param epochs passes over the training set
 * @param batchSize rows per batch; in synchronous mode it must divide evenly among the workers
 * @param seed seeds the shuffle of every epoch
 */
public record TrainingPlan(int epochs, int batchSize, long seed) {

  public TrainingPlan {
    if (epochs < 1 || batchSize < 1) {
      throw new IllegalArgumentException("epochs and batch size must be >= 1");
    }
  }

  /** Whole batches per epoch; the remainder of each shuffle is left out of that epoch. */
  public int batchesPerEpoch(int trainRows) {
    return trainRows / batchSize;
  }

  /** Rows of batch {@code batch} (0-based within the epoch) of epoch {@code epoch}. */
  public int[] batch(int trainRows, int epoch, int batch) {
    int[] order = Digits.permutation(trainRows, new Random(seed * 1_000_003L + epoch));
    int[] rows = new int[batchSize];
    System.arraycopy(order, batch * batchSize, rows, 0, batchSize);
    return rows;
  }

  /** The part of {@code rows} worker {@code worker} of {@code workers} takes. */
  public static int[] shard(int[] rows, int worker, int workers) {
    if (rows.length % workers != 0) {
      throw new IllegalArgumentException(
          "batch of " + rows.length + " rows does not split evenly among " + workers + " workers");
    }
    int size = rows.length / workers;
    int[] part = new int[size];
    System.arraycopy(rows, worker * size, part, 0, size);
    return part;
  }
}
