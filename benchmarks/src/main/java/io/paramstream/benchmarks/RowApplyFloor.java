package io.paramstream.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The least a sparse push or pull can cost in memory. Push: the kernel's arithmetic on 4,096 random
 * rows of 64 floats in a 1,000,000-row table, as one bare loop over one flat {@code float[]} (no
 * index, no checks, no optimizer state, no copy), next to the same loop over one dense group of the
 * same 262,144 floats. Pull: those rows gathered into one array, next to one copy of the dense
 * group. A real table push or pull pays at least the difference on top of what the dense one of the
 * same bytes pays, so this bounds the ratio tables can reach against dense groups (issue 13 asks
 * for 0.9; BENCHMARKS.md section 10 does the arithmetic).
 *
 * <p>Usage: {@code java -Xms2g -Xmx2g -XX:+AlwaysPreTouch [-XX:+UseTransparentHugePages] -cp
 * benchmarks.jar io.paramstream.benchmarks.RowApplyFloor [rounds]}. Each round times 400 of each
 * kind, interleaved; the report is the median round's mean time, with min and max over rounds.
 */
public final class RowApplyFloor {

  private static final int ROWS = 1_000_000;
  private static final int DIM = 64;
  private static final int BATCH = 4_096;
  private static final int APPLIES_PER_ROUND = 400;
  // TableBenchmark's workers send 16 prepared requests in turn: the same 16 sets of rows here.
  private static final int ROW_SETS = 16;
  private static final float STEP = 0.01f;
  private static final float DECAY_STEP = 1e-6f;
  private static final String[] KINDS = {
    "dense group, 262,144 floats",
    "4,096 random rows",
    "4,096 random rows, sorted",
    "4,096 consecutive rows",
    "pull: copy of the dense group",
    "pull: 4,096 random rows gathered"
  };

  private RowApplyFloor() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    SplittableRandom random = new SplittableRandom(13);
    float[] table = new float[ROWS * DIM];
    Arrays.fill(table, 1f);
    float[] dense = new float[BATCH * DIM];
    float[] pulled = new float[BATCH * DIM];
    float[] gradient = new float[BATCH * DIM];
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] = (float) (random.nextGaussian() * 1e-6);
    }
    int[][] randomRows = new int[ROW_SETS][];
    int[][] sortedRows = new int[ROW_SETS][];
    for (int s = 0; s < ROW_SETS; s++) {
      randomRows[s] = random.ints(0, ROWS).distinct().limit(BATCH).toArray();
      sortedRows[s] = randomRows[s].clone();
      Arrays.sort(sortedRows[s]);
    }
    int[] consecutive = new int[BATCH];
    Arrays.setAll(consecutive, i -> ROWS / 2 + i);

    double[][] meanMs = new double[KINDS.length][rounds];
    // Round -1 is not reported: the loops compile during it.
    for (int round = -1; round < rounds; round++) {
      long[] nanos = new long[KINDS.length];
      for (int a = 0; a < APPLIES_PER_ROUND; a++) {
        int set = a % ROW_SETS;
        long t0 = System.nanoTime();
        applyDense(dense, gradient);
        long t1 = System.nanoTime();
        applyRows(table, randomRows[set], gradient);
        long t2 = System.nanoTime();
        applyRows(table, sortedRows[set], gradient);
        long t3 = System.nanoTime();
        applyRows(table, consecutive, gradient);
        long t4 = System.nanoTime();
        System.arraycopy(dense, 0, pulled, 0, dense.length);
        long t5 = System.nanoTime();
        gatherRows(table, randomRows[(set + 1) % ROW_SETS], pulled);
        long t6 = System.nanoTime();
        nanos[0] += t1 - t0;
        nanos[1] += t2 - t1;
        nanos[2] += t3 - t2;
        nanos[3] += t4 - t3;
        nanos[4] += t5 - t4;
        nanos[5] += t6 - t5;
      }
      if (round >= 0) {
        for (int k = 0; k < KINDS.length; k++) {
          meanMs[k][round] = nanos[k] / 1e6 / APPLIES_PER_ROUND;
        }
      }
    }
    System.out.printf(
        "mean ms per apply, median [min-max] over %d rounds of %d%n", rounds, APPLIES_PER_ROUND);
    for (int k = 0; k < KINDS.length; k++) {
      double[] sorted = meanMs[k].clone();
      Arrays.sort(sorted);
      System.out.printf(
          "%-30s %.3f [%.3f-%.3f]%n", KINDS[k], sorted[rounds / 2], sorted[0], sorted[rounds - 1]);
    }
    System.out.println("checksum " + (table[ROWS / 2 * DIM] + dense[0] + pulled[7]));
  }

  /** The kernel's loop over one dense array. */
  private static void applyDense(float[] theta, float[] gradient) {
    for (int i = 0; i < theta.length; i++) {
      theta[i] = theta[i] - (STEP * gradient[i] + DECAY_STEP * theta[i]);
    }
  }

  /**
   * The same arithmetic on the rows {@code rows} of a flat table, gradient row k for row rows[k].
   */
  private static void applyRows(float[] table, int[] rows, float[] gradient) {
    for (int k = 0; k < rows.length; k++) {
      int base = rows[k] * DIM;
      int from = k * DIM;
      for (int j = 0; j < DIM; j++) {
        float theta = table[base + j];
        table[base + j] = theta - (STEP * gradient[from + j] + DECAY_STEP * theta);
      }
    }
  }

  /** Copies the rows {@code rows} of a flat table into {@code out}, one after another. */
  private static void gatherRows(float[] table, int[] rows, float[] out) {
    for (int k = 0; k < rows.length; k++) {
      System.arraycopy(table, rows[k] * DIM, out, k * DIM, DIM);
    }
  }
}
