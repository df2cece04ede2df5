package io.paramstream.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@link KernelBenchmark}'s kernel against the factor form it replaced, in interleaved JMH rounds.
 * A plain JMH run measures every fork of one benchmark, then every fork of the next, minutes later:
 * on a shared machine whose memory bandwidth drifts by 10% over minutes, that order alone moved the
 * out-of-cache ratio between 0.92 and 1.05 from run to run. Here every round runs one fork of each
 * loop back to back, in an order that rotates from round to round, and the ratio (factor-form time
 * / kernel time) is taken within each round; the report is the median over rounds with min and max.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.paramstream.benchmarks.KernelRounds [rounds]}.
 */
public final class KernelRounds {

  private static final String KERNEL = "sgdWithDecay";
  private static final String FACTOR_FORM = "sgdWithDecayFactorForm";
  private static final String FMA = "sgdWithDecayFma";
  private static final String[] SIZES = {"65536", "1048576", "16777216"};

  private KernelRounds() {}

  public static void main(String[] args) throws RunnerException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    List<String> loops = List.of(KERNEL, FACTOR_FORM, FMA);
    // ratios.get(loop).get(size): factor-form time / loop time, one entry per round.
    Map<String, Map<String, List<Double>>> ratios = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
      for (int k = 0; k < loops.size(); k++) {
        String loop = loops.get((k + round) % loops.size());
        scores.put(loop, run(loop));
      }
      StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
      for (String loop : List.of(KERNEL, FMA)) {
        for (String size : SIZES) {
          double ratio = scores.get(FACTOR_FORM).get(size) / scores.get(loop).get(size);
          ratios
              .computeIfAbsent(loop, l -> new LinkedHashMap<>())
              .computeIfAbsent(size, s -> new ArrayList<>())
              .add(ratio);
          line.append(String.format(" %s@%s %.3f", loop, size, ratio));
        }
      }
      System.out.println(line);
    }
    System.out.println();
    System.out.println("factor-form time / loop time, median [min-max] over " + rounds + " rounds");
    for (Map.Entry<String, Map<String, List<Double>>> loop : ratios.entrySet()) {
      for (Map.Entry<String, List<Double>> size : loop.getValue().entrySet()) {
        double[] values = size.getValue().stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(values);
        System.out.printf(
            "%-14s %9s floats: %.3f [%.3f-%.3f]%n",
            loop.getKey(), size.getKey(), median(values), values[0], values[values.length - 1]);
      }
    }
  }

  /** One fork of one loop at every size: its mean time per call in ns, by size. */
  private static Map<String, Double> run(String loop) throws RunnerException {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .include(KernelBenchmark.class.getName() + "." + loop + "$")
                    .param("floats", SIZES)
                    .forks(1)
                    .warmupIterations(3)
                    .warmupTime(TimeValue.seconds(1))
                    .measurementIterations(10)
                    .measurementTime(TimeValue.milliseconds(500))
                    .jvmArgsAppend("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"))
                    .build())
            .run();
    Map<String, Double> byFloats = new LinkedHashMap<>();
    for (RunResult result : results) {
      byFloats.put(result.getParams().getParam("floats"), result.getPrimaryResult().getScore());
    }
    return byFloats;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
