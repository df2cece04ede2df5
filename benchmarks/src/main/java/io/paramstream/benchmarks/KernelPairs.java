package io.paramstream.benchmarks;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.SgdKernel;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The kernel against the factor form it replaced, paired: both run on the same two arrays, in
 * alternating rounds, for many placements of those arrays, and the ratio is taken per placement.
 * JMH runs each benchmark in its own forks, each with its own heap layout; where theta and the
 * gradient land relative to each other moves either loop's time by up to 35%, so an unpaired
 * same-run ratio measures layouts as much as code. This complements {@link KernelBenchmark}, which
 * draws a new placement every iteration.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.paramstream.benchmarks.KernelPairs [floats
 * [placements]]}. Prints, per size, the median, min and max over placements of (factor-form time /
 * kernel time), where each time is the fastest of 7 rounds, the two loops taking turns to go first.
 */
public final class KernelPairs {

  private static final int ROUNDS = 7;

  private KernelPairs() {}

  public static void main(String[] args) {
    int[] sizes =
        args.length > 0
            ? new int[] {Integer.parseInt(args[0])}
            : new int[] {65536, 1 << 20, 1 << 24};
    int placements = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Hyperparameters hyperparameters = new Hyperparameters(0.01, 1e-4);
    float keep = (float) (1.0 - hyperparameters.learningRate() * hyperparameters.weightDecay());
    float step = hyperparameters.step();
    SplittableRandom random = new SplittableRandom(3);
    for (int floats : sizes) {
      int reps = (int) Math.max(1, 100_000_000L / floats);
      double[] ratios = new double[placements];
      // One unreported placement first: both loops compile during it.
      for (int p = -1; p < placements; p++) {
        float[] theta = gaussian(random, floats, 1.0);
        float[] padding = new float[random.nextInt(1024)];
        float[] grad = gaussian(random, floats, 1e-6);
        long kernel = Long.MAX_VALUE;
        long factor = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
          // Alternate which loop goes first: the first finds the cache as the other one left it.
          if (round % 2 == 0) {
            kernel = Math.min(kernel, timeKernel(theta, grad, hyperparameters, reps));
            factor = Math.min(factor, timeFactorForm(theta, grad, keep, step, reps));
          } else {
            factor = Math.min(factor, timeFactorForm(theta, grad, keep, step, reps));
            kernel = Math.min(kernel, timeKernel(theta, grad, hyperparameters, reps));
          }
        }
        if (p >= 0) {
          ratios[p] = (double) factor / kernel;
        }
        Reference.reachabilityFence(padding); // the gap must exist while the loops run
        if (!Float.isFinite(theta[0])) {
          throw new AssertionError("theta diverged");
        }
      }
      Arrays.sort(ratios);
      System.out.printf(
          "floats %,d: factor-form time / kernel time over %d placements: median %.3f, min %.3f,"
              + " max %.3f%n",
          floats, placements, ratios[placements / 2], ratios[0], ratios[placements - 1]);
    }
  }

  private static long timeKernel(
      float[] theta, float[] grad, Hyperparameters hyperparameters, int reps) {
    long start = System.nanoTime();
    for (int r = 0; r < reps; r++) {
      SgdKernel.applyInPlace(theta, grad, hyperparameters, true);
    }
    return System.nanoTime() - start;
  }

  private static long timeFactorForm(
      float[] theta, float[] grad, float keep, float step, int reps) {
    long start = System.nanoTime();
    for (int r = 0; r < reps; r++) {
      KernelBenchmark.factorForm(theta, grad, keep, step);
    }
    return System.nanoTime() - start;
  }

  private static float[] gaussian(SplittableRandom random, int n, double scale) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextGaussian() * scale);
    }
    return values;
  }
}
