package io.paramstream.benchmarks;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.SgdKernel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The update kernel the server runs per push ({@link SgdKernel#applyInPlace}) next to the cheapest
 * thing that touches the same memory, {@link System#arraycopy} of an array of the same size, both
 * measured in the same run. The kernel reads theta and the gradient and writes theta: 12 bytes per
 * element. The copy reads and writes: 8 bytes per element. {@link KernelReport} turns the scores
 * into GB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class KernelBenchmark {

  @Param({"1024", "65536", "1048576", "16777216"})
  public int floats;

  private float[] initialTheta;
  private float[] initialGrad;
  private float[] theta;
  private float[] grad;
  private float[] copyTarget;
  private Object padding;
  private SplittableRandom placements;
  private final Hyperparameters hyperparameters = new Hyperparameters(0.01, 1e-4);

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(1);
    initialTheta = new float[floats];
    initialGrad = new float[floats];
    for (int i = 0; i < floats; i++) {
      initialTheta[i] = (float) random.nextGaussian();
      // Tiny gradients keep theta finite however many iterations run.
      initialGrad[i] = (float) (random.nextGaussian() * 1e-6);
    }
    placements = new SplittableRandom(2);
  }

  /**
   * New arrays every iteration, with a random gap between theta and the gradient. Where the two
   * land relative to each other moves the kernel's time by up to 35% (the gradient loads can
   * falsely depend on the theta stores when their addresses match in the low 12 bits, "4K
   * aliasing"), and a fork keeps one placement for its whole life: with arrays fixed per fork,
   * fork-to-fork spread hid any difference between kernels. Drawing a placement per iteration
   * averages every benchmark over the same spread of placements.
   */
  @Setup(Level.Iteration)
  public void placeArrays() {
    theta = null;
    grad = null;
    copyTarget = null;
    padding = null;
    theta = initialTheta.clone();
    padding = new float[placements.nextInt(1024)];
    grad = initialGrad.clone();
    copyTarget = new float[floats];
  }

  @Benchmark
  public float sgdWithDecay() {
    SgdKernel.applyInPlace(theta, grad, hyperparameters, true);
    return theta[0];
  }

  /**
   * The kernel before it kept the decay at small lr * wd: {@code theta * float32(1 - lr * wd) - s *
   * grad}. Kept as a same-run baseline: the new association must cost no more (ratio >= 0.95).
   */
  @Benchmark
  public float sgdWithDecayFactorForm() {
    float keep = (float) (1.0 - hyperparameters.learningRate() * hyperparameters.weightDecay());
    factorForm(theta, grad, keep, hyperparameters.step());
    return theta[0];
  }

  /** The new association as a bare loop: tells the formula's cost from the method around it. */
  @Benchmark
  public float sgdWithDecayBareLoop() {
    float c = hyperparameters.decayStep();
    float s = hyperparameters.step();
    float[] t = theta;
    float[] g = grad;
    for (int i = 0; i < t.length; i++) {
      t[i] = t[i] - (s * g[i] + c * t[i]);
    }
    return t[0];
  }

  /**
   * The decay-keeping association with one fused multiply-add: {@code theta - fma(c, theta, s *
   * grad)}. Three operations like the factor form, one rounding fewer than the kernel.
   */
  @Benchmark
  public float sgdWithDecayFma() {
    float c = hyperparameters.decayStep();
    float s = hyperparameters.step();
    float[] t = theta;
    float[] g = grad;
    for (int i = 0; i < t.length; i++) {
      t[i] = t[i] - Math.fma(c, t[i], s * g[i]);
    }
    return t[0];
  }

  /** The kernel's sum in the other order, {@code c * theta + s * grad}: the same bits. */
  @Benchmark
  public float sgdWithDecaySwapped() {
    float c = hyperparameters.decayStep();
    float s = hyperparameters.step();
    float[] t = theta;
    float[] g = grad;
    for (int i = 0; i < t.length; i++) {
      t[i] = t[i] - (c * t[i] + s * g[i]);
    }
    return t[0];
  }

  /** The old applyInPlace loop, as it was: a static method like the kernel, so the JIT is fair. */
  static void factorForm(float[] theta, float[] grad, float keep, float step) {
    int n = theta.length;
    for (int i = 0; i < n; i++) {
      theta[i] = theta[i] * keep - step * grad[i];
    }
  }

  @Benchmark
  public float arraycopyBaseline() {
    System.arraycopy(grad, 0, copyTarget, 0, floats);
    return copyTarget[0];
  }
}
