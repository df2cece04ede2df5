package io.paramstream.benchmarks;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmark} and prints GB/s for the kernel (12 bytes per element) beside the
 * same-run {@code System.arraycopy} baseline (8 bytes per element) and the time ratio.
 */
public final class KernelReport {
  private KernelReport() {}

  public static void main(String[] args) throws RunnerException {
    Options options = new OptionsBuilder().include(KernelBenchmark.class.getSimpleName()).build();
    Collection<RunResult> results = new Runner(options).run();
    Map<Integer, double[]> nanosBySize = new TreeMap<>();
    for (RunResult r : results) {
      int floats = Integer.parseInt(r.getParams().getParam("floats"));
      String method = r.getParams().getBenchmark();
      double nanos = r.getPrimaryResult().getScore();
      double[] pair = nanosBySize.computeIfAbsent(floats, k -> new double[2]);
      pair[method.endsWith("sgdWithDecay") ? 0 : 1] = nanos;
    }
    System.out.printf(
        Locale.ROOT,
        "%n%10s %12s %12s %14s %14s %10s%n",
        "floats",
        "sgd ns",
        "copy ns",
        "sgd GB/s(12B)",
        "copy GB/s(8B)",
        "sgd/copy t");
    nanosBySize.forEach(
        (floats, pair) ->
            System.out.printf(
                Locale.ROOT,
                "%10d %12.0f %12.0f %14.2f %14.2f %10.2f%n",
                floats,
                pair[0],
                pair[1],
                12.0 * floats / pair[0],
                8.0 * floats / pair[1],
                pair[0] / pair[1]));
  }
}
