package io.paramstream.example;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One mini-batch of ratings with the distinct users and items it touches, and the squared-error
 * gradient of the factor rows: for a rating r with prediction p = u . v, dL/du = (p - r) v and
 * dL/dv = (p - r) u, summed per row. The same code serves the worker processes (which push the
 * gradient) and the in-process baseline (which applies it itself).
 */
final class FactorBatch {
  private final Ratings ratings;
  private final int[] batch;
  private final long[] userIds;
  private final long[] itemIds;
  // For each rating of the batch, the index of its user and item among the distinct ones.
  private final int[] userSlot;
  private final int[] itemSlot;

  FactorBatch(Ratings ratings, int[] batch) {
    this.ratings = ratings;
    this.batch = batch;
    this.userSlot = new int[batch.length];
    this.itemSlot = new int[batch.length];
    Map<Integer, Integer> users = new LinkedHashMap<>();
    Map<Integer, Integer> items = new LinkedHashMap<>();
    for (int i = 0; i < batch.length; i++) {
      userSlot[i] = users.computeIfAbsent(ratings.users()[batch[i]], k -> users.size());
      itemSlot[i] = items.computeIfAbsent(ratings.items()[batch[i]], k -> items.size());
    }
    this.userIds = users.keySet().stream().mapToLong(Integer::longValue).toArray();
    this.itemIds = items.keySet().stream().mapToLong(Integer::longValue).toArray();
  }

  long[] userIds() {
    return userIds;
  }

  long[] itemIds() {
    return itemIds;
  }

  /**
   * Fills the gradients of the distinct user and item rows (row i of {@code userGradient} belongs
   * to {@code userIds()[i]}) from their current values, and returns the batch's summed loss.
   */
  double gradients(
      float[] userRows, float[] itemRows, float[] userGradient, float[] itemGradient, int dim) {
    java.util.Arrays.fill(userGradient, 0f);
    java.util.Arrays.fill(itemGradient, 0f);
    double loss = 0;
    for (int i = 0; i < batch.length; i++) {
      int u = userSlot[i] * dim;
      int v = itemSlot[i] * dim;
      float error = dot(userRows, u, itemRows, v, dim) - ratings.values()[batch[i]];
      loss += 0.5 * error * error;
      for (int k = 0; k < dim; k++) {
        userGradient[u + k] += error * itemRows[v + k];
        itemGradient[v + k] += error * userRows[u + k];
      }
    }
    return loss;
  }

  static float dot(float[] a, int aOffset, float[] b, int bOffset, int dim) {
    float sum = 0;
    for (int k = 0; k < dim; k++) {
      sum += a[aOffset + k] * b[bOffset + k];
    }
    return sum;
  }
}
