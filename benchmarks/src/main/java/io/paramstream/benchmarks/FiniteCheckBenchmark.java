package io.paramstream.benchmarks;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.SgdKernel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The finiteness check every pushed value goes through, {@link SgdKernel#firstNonFinite}, against
 * the element-by-element loop it replaced, and the check followed by the update against a plain
 * copy of the gradient (issue 17 asks for check + apply within 1.2x of a copy). Run it on each JDK
 * the server runs on: whether C2 vectorizes the check depends on the JDK.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class FiniteCheckBenchmark {

  @Param({"65536", "1048576", "16777216"})
  public int floats;

  private float[] theta;
  private float[] grad;
  private float[] copyTarget;
  private final Hyperparameters hyperparameters = new Hyperparameters(0.01, 1e-4);

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(5);
    theta = new float[floats];
    grad = new float[floats];
    copyTarget = new float[floats];
    for (int i = 0; i < floats; i++) {
      theta[i] = (float) random.nextGaussian();
      grad[i] = (float) (random.nextGaussian() * 1e-6);
    }
  }

  /** The check as it was: one test and branch per element. */
  @Benchmark
  public int elementByElement() {
    float[] values = grad;
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }

  @Benchmark
  public int firstNonFinite() {
    return SgdKernel.firstNonFinite(grad);
  }

  /** What a push does to a dense group: check the gradient, then apply it. */
  @Benchmark
  public float checkThenApply() {
    SgdKernel.checkGradient("g", floats, grad);
    SgdKernel.applyInPlace(theta, grad, hyperparameters, true);
    return theta[0];
  }

  @Benchmark
  public float arraycopyBaseline() {
    System.arraycopy(grad, 0, copyTarget, 0, floats);
    return copyTarget[0];
  }
}
