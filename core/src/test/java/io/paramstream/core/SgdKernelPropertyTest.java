package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Randomized checks of the kernel, without a property-testing library: a fixed seed makes every run
 * see the same cases, and each failure message carries the case number and seed to replay it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SgdKernelPropertyTest {

  private static final long SEED = 0x5EED_2024_CAFEL;
  private static final int CASES = 500;

  /** Sizes at and around common vector widths (8/16/32 floats) and loop tails, plus 1. */
  private static final int[] EDGE_SIZES = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};

  /** A case: groups, gradients, flags and hyperparameters. */
  private record Case(
      List<float[]> params, List<float[]> grads, List<Boolean> flags, Hyperparameters hp) {}

  private static Case randomCase(Random random) {
    int groupCount = 1 + random.nextInt(5);
    List<float[]> params = new ArrayList<>();
    List<float[]> grads = new ArrayList<>();
    List<Boolean> flags = new ArrayList<>();
    for (int g = 0; g < groupCount; g++) {
      int size =
          random.nextBoolean()
              ? EDGE_SIZES[random.nextInt(EDGE_SIZES.length)]
              : 1 + random.nextInt(300);
      params.add(randomValues(random, size));
      grads.add(randomValues(random, size));
      flags.add(random.nextBoolean());
    }
    double lr = random.nextInt(10) == 0 ? randomEdge(random, 0.0, 1.0) : random.nextDouble();
    double wd = random.nextInt(10) == 0 ? randomEdge(random, 0.0, 0.1) : random.nextDouble() * 0.1;
    return new Case(params, grads, flags, new Hyperparameters(lr, wd));
  }

  private static double randomEdge(Random random, double low, double high) {
    return random.nextBoolean() ? low : high;
  }

  private static float[] randomValues(Random random, int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = randomValue(random);
    }
    return values;
  }

  /** Finite floats of every kind: ordinary, tiny, subnormal, huge, zero of both signs. */
  private static float randomValue(Random random) {
    float sign = random.nextBoolean() ? 1f : -1f;
    return switch (random.nextInt(10)) {
      case 0 -> sign * 0.0f;
      case 1 -> sign * Float.MIN_VALUE * (1 + random.nextInt(1000));
      case 2 -> sign * Float.MIN_NORMAL * random.nextFloat();
      case 3 -> sign * random.nextFloat() * 1e-30f;
      case 4 -> sign * random.nextFloat() * 1e30f;
      case 5 -> sign * Float.MAX_VALUE * random.nextFloat();
      case 6 -> sign * (float) random.nextInt(1000);
      default -> (float) random.nextGaussian();
    };
  }

  private static void assertBitwiseEqual(float[] actual, float[] expected, String context) {
    assertThat(actual.length).as(context).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      int actualBits = Float.floatToIntBits(actual[i]);
      int expectedBits = Float.floatToIntBits(expected[i]);
      if (actualBits != expectedBits) {
        assertThat(actualBits)
            .as(
                "%s, element %d: applyInPlace gave %s, update gave %s",
                context, i, actual[i], expected[i])
            .isEqualTo(expectedBits);
      }
    }
  }

  @Test
  void applyInPlace_randomCases_equalsUpdateBitForBit() {
    Random random = new Random(SEED);
    for (int c = 0; c < CASES; c++) {
      Case tc = randomCase(random);
      List<float[]> paramsBefore = tc.params().stream().map(float[]::clone).toList();
      List<float[]> gradsBefore = tc.grads().stream().map(float[]::clone).toList();

      List<float[]> expected = SgdKernel.update(tc.params(), tc.grads(), tc.hp(), tc.flags());

      for (int g = 0; g < tc.params().size(); g++) {
        String context = "case " + c + " (seed " + SEED + "), group " + g + ", " + tc.hp();
        float[] copy = tc.params().get(g).clone();
        SgdKernel.applyInPlace(copy, tc.grads().get(g), tc.hp(), tc.flags().get(g));
        assertBitwiseEqual(copy, expected.get(g), context);
        assertBitwiseEqual(tc.params().get(g), paramsBefore.get(g), context + ", params mutated");
        assertBitwiseEqual(tc.grads().get(g), gradsBefore.get(g), context + ", grads mutated");
      }
    }
  }

  @Test
  void update_zeroLearningRate_returnsInputsExactly() {
    Random random = new Random(SEED + 1);
    for (int c = 0; c < CASES; c++) {
      Case tc = randomCase(random);
      Hyperparameters zeroLr = new Hyperparameters(0.0, tc.hp().weightDecay());

      List<float[]> result = SgdKernel.update(tc.params(), tc.grads(), zeroLr, tc.flags());

      for (int g = 0; g < tc.params().size(); g++) {
        String context = "case " + c + " (seed " + (SEED + 1) + "), group " + g;
        float[] inPlace = tc.params().get(g).clone();
        SgdKernel.applyInPlace(inPlace, tc.grads().get(g), zeroLr, tc.flags().get(g));
        assertZeroLrResult(result.get(g), tc.params().get(g), context + ", update");
        assertZeroLrResult(inPlace, tc.params().get(g), context + ", applyInPlace");
      }
    }
  }

  /**
   * With lr = 0 every element keeps its value. The sign of a zero may flip (0 - 0*g is +0 when
   * theta is -0 and g is positive), which is the correct IEEE result, so zeros are compared by
   * value and everything else bit for bit.
   */
  private static void assertZeroLrResult(float[] actual, float[] input, String context) {
    assertThat(actual.length).as(context).isEqualTo(input.length);
    for (int i = 0; i < input.length; i++) {
      if (input[i] == 0.0f) {
        assertThat(Math.abs(actual[i])).as("%s, element %d", context, i).isEqualTo(0.0f);
      } else if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(input[i])) {
        assertThat(actual[i]).as("%s, element %d", context, i).isEqualTo(input[i]);
      }
    }
  }
}
