package io.paramstream.example;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * A seeded synthetic rating set with a known low-rank ground truth: user and item factors drawn
 * from N(0, 1/sqrt(rank)) (so a rating, their dot product, has unit variance), plus Gaussian noise.
 * Every process that generates it from the same seed gets the same ratings, so worker processes
 * need no data files.
 *
 * @param users the user of each rating
 * @param items the item of each rating
 * @param values the ratings
 */
record Ratings(int[] users, int[] items, float[] values) {

  static final int USERS = 2_000;
  static final int ITEMS = 1_000;
  static final int RANK = 8;
  static final int COUNT = 100_000;
  static final double NOISE = 0.1;

  /** One rating in ten is held out. */
  static final int HELD_OUT_EVERY = 10;

  int size() {
    return values.length;
  }

  /** {@link #COUNT} distinct (user, item) pairs with noisy low-rank ratings. */
  static Ratings generate(long seed) {
    Random random = new Random(seed);
    double scale = 1.0 / Math.sqrt(Math.sqrt(RANK));
    double[][] userTruth = gaussian(random, USERS, scale);
    double[][] itemTruth = gaussian(random, ITEMS, scale);
    int[] users = new int[COUNT];
    int[] items = new int[COUNT];
    float[] values = new float[COUNT];
    Set<Long> seen = new HashSet<>();
    for (int n = 0; n < COUNT; ) {
      int user = random.nextInt(USERS);
      int item = random.nextInt(ITEMS);
      if (!seen.add((long) user * ITEMS + item)) {
        continue;
      }
      double dot = 0;
      for (int k = 0; k < RANK; k++) {
        dot += userTruth[user][k] * itemTruth[item][k];
      }
      users[n] = user;
      items[n] = item;
      values[n] = (float) (dot + NOISE * random.nextGaussian());
      n++;
    }
    return new Ratings(users, items, values);
  }

  private static double[][] gaussian(Random random, int rows, double scale) {
    double[][] factors = new double[rows][RANK];
    for (double[] row : factors) {
      for (int k = 0; k < RANK; k++) {
        row[k] = scale * random.nextGaussian();
      }
    }
    return factors;
  }

  /** The training ratings (nine in ten) and the held-out ones (every tenth). */
  Ratings[] split() {
    int heldOut = (size() + HELD_OUT_EVERY - 1) / HELD_OUT_EVERY;
    return new Ratings[] {
      select(size() - heldOut, i -> i % HELD_OUT_EVERY != 0),
      select(heldOut, i -> i % HELD_OUT_EVERY == 0)
    };
  }

  /**
   * Worker {@code index}'s share of {@code workers}: the ratings of users {@code index}, {@code
   * index + workers}, ... Each user's row is then pushed by one worker only, so asynchronous
   * workers never update a user from a stale copy; item rows are shared.
   */
  Ratings share(int index, int workers) {
    int count = 0;
    for (int user : users) {
      if (user % workers == index) {
        count++;
      }
    }
    return select(count, i -> users[i] % workers == index);
  }

  private Ratings select(int count, java.util.function.IntPredicate keep) {
    int[] u = new int[count];
    int[] it = new int[count];
    float[] v = new float[count];
    int n = 0;
    for (int i = 0; i < size(); i++) {
      if (keep.test(i)) {
        u[n] = users[i];
        it[n] = items[i];
        v[n] = values[i];
        n++;
      }
    }
    return new Ratings(u, it, v);
  }
}
