package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SgdKernelTest {

  private static final Hyperparameters HP = new Hyperparameters(0.1, 0.01);
  private static final float TOLERANCE = 1e-6f;

  /** The seed examples hold within one float32 ulp of the decimal results, element by element. */
  private static void assertGroupsClose(List<float[]> actual, float[][] expected) {
    assertThat(actual).hasSize(expected.length);
    for (int g = 0; g < expected.length; g++) {
      assertThat(actual.get(g)).as("group %d", g).hasSameSizeAs(expected[g]);
      for (int i = 0; i < expected[g].length; i++) {
        assertThat(actual.get(g)[i])
            .as("group %d element %d", g, i)
            .isCloseTo(expected[g][i], within(Math.ulp(expected[g][i])));
      }
    }
  }

  @Test
  void update_singleDecayedGroup_matchesReference() {
    List<float[]> result =
        SgdKernel.update(
            List.of(new float[] {1.0f, 2.0f}),
            List.of(new float[] {0.1f, 0.2f}),
            HP,
            List.of(true));

    assertGroupsClose(result, new float[][] {{0.989f, 1.978f}});
  }

  @Test
  void update_decayedAndUndecayedGroups_decaysOnlyFlaggedGroup() {
    List<float[]> result =
        SgdKernel.update(
            List.of(new float[] {1.0f, 2.0f}, new float[] {0.5f}),
            List.of(new float[] {0.1f, 0.2f}, new float[] {0.05f}),
            HP,
            List.of(true, false));

    assertGroupsClose(result, new float[][] {{0.989f, 1.978f}, {0.495f}});
  }

  @Test
  void update_undecayedGroup_appliesPlainSgd() {
    List<float[]> result =
        SgdKernel.update(
            List.of(new float[] {1.0f, 2.0f, 3.0f}),
            List.of(new float[] {0.1f, 0.2f, 0.3f}),
            HP,
            List.of(false));

    assertGroupsClose(result, new float[][] {{0.99f, 1.98f, 2.97f}});
  }

  @Test
  void update_anyInput_leavesInputsUntouched() {
    float[] theta0 = {1.0f, 2.0f};
    float[] theta1 = {0.5f};
    float[] grad0 = {0.1f, 0.2f};
    float[] grad1 = {0.05f};
    float[][] before = {theta0.clone(), theta1.clone(), grad0.clone(), grad1.clone()};

    List<float[]> result =
        SgdKernel.update(List.of(theta0, theta1), List.of(grad0, grad1), HP, List.of(true, false));

    assertThat(theta0).containsExactly(before[0]);
    assertThat(theta1).containsExactly(before[1]);
    assertThat(grad0).containsExactly(before[2]);
    assertThat(grad1).containsExactly(before[3]);
    assertThat(result.get(0)).isNotSameAs(theta0);
    assertThat(result.get(1)).isNotSameAs(theta1);
  }

  @Test
  void update_noGroups_returnsEmptyList() {
    assertThat(SgdKernel.update(List.of(), List.of(), HP, List.of())).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void hyperparameters_badLearningRate_rejectedNamingValue(double lr) {
    assertThatThrownBy(() -> new Hyperparameters(lr, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("learning_rate")
        .hasMessageContaining(String.valueOf(lr));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.01, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void hyperparameters_badWeightDecay_rejectedNamingValue(double wd) {
    assertThatThrownBy(() -> new Hyperparameters(0.1, wd))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight_decay")
        .hasMessageContaining(String.valueOf(wd));
  }

  @Test
  void hyperparameters_zeroValues_accepted() {
    Hyperparameters zero = new Hyperparameters(0.0, 0.0);

    assertThat(zero.step()).isEqualTo(0.0f);
    assertThat(zero.decayStep()).isEqualTo(0.0f);
  }

  @Test
  void update_fewerFlagsThanGroups_rejectedNamingCounts() {
    assertThatThrownBy(
            () ->
                SgdKernel.update(
                    List.of(new float[] {1f}, new float[] {2f}),
                    List.of(new float[] {0f}, new float[] {0f}),
                    HP,
                    List.of(true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 groups")
        .hasMessageContaining("1 flags");
  }

  @Test
  void update_moreFlagsThanGroups_rejectedNamingCounts() {
    assertThatThrownBy(
            () ->
                SgdKernel.update(
                    List.of(new float[] {1f}),
                    List.of(new float[] {0f}),
                    HP,
                    List.of(true, false, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 groups")
        .hasMessageContaining("3 flags");
  }

  @Test
  void update_gradientCountMismatch_rejectedNamingCounts() {
    assertThatThrownBy(
            () ->
                SgdKernel.update(
                    List.of(new float[] {1f}, new float[] {2f}),
                    List.of(new float[] {0f}),
                    HP,
                    List.of(true, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 groups")
        .hasMessageContaining("1 gradients");
  }

  @Test
  void update_gradientLengthDiffersFromGroup_rejectedNamingGroupAndLengths() {
    assertThatThrownBy(
            () ->
                SgdKernel.update(
                    List.of(new float[] {1f, 2f}, new float[] {3f, 4f, 5f}),
                    List.of(new float[] {0f, 0f}, new float[] {0f, 0f}),
                    HP,
                    List.of(true, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group 1")
        .hasMessageContaining("2 elements")
        .hasMessageContaining("group has 3");
  }

  @ParameterizedTest
  @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void update_nonFiniteGradient_rejectedNamingValueAndIndex(float bad) {
    float[] theta = {1f, 2f, 3f};
    float[] grad = {0.1f, 0.2f, bad};
    float[] thetaBefore = theta.clone();

    assertThatThrownBy(
            () ->
                SgdKernel.update(
                    List.of(new float[] {7f}, theta),
                    List.of(new float[] {0.5f}, grad),
                    HP,
                    List.of(false, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group 1")
        .hasMessageContaining(String.valueOf(bad))
        .hasMessageContaining("index 2");
    assertThat(theta).containsExactly(thetaBefore);
  }

  @Test
  void applyInPlace_matchingLength_updatesThetaAndLeavesGradient() {
    float[] theta = {1.0f, 2.0f};
    float[] grad = {0.1f, 0.2f};

    SgdKernel.applyInPlace(theta, grad, HP, true);

    assertThat(theta).containsExactly(new float[] {0.989f, 1.978f}, within(TOLERANCE));
    assertThat(grad).containsExactly(0.1f, 0.2f);
  }

  @Test
  void applyInPlace_wrongLength_rejectedAndThetaUnchanged() {
    float[] theta = {1.0f, 2.0f, 3.0f};

    assertThatThrownBy(() -> SgdKernel.applyInPlace(theta, new float[] {0.1f, 0.2f}, HP, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 elements")
        .hasMessageContaining("group has 3");
    assertThat(theta).containsExactly(1.0f, 2.0f, 3.0f);
  }

  @Test
  void checkGradient_validGradient_passes() {
    assertThatCode(
            () -> SgdKernel.checkGradient("g", 2, new float[] {Float.MAX_VALUE, -Float.MIN_VALUE}))
        .doesNotThrowAnyException();
  }

  @Test
  void firstNonFinite_mixedValues_returnsFirstBadIndex() {
    assertThat(SgdKernel.firstNonFinite(new float[] {0f, 1f, -1f})).isEqualTo(-1);
    assertThat(
            SgdKernel.firstNonFinite(
                new float[] {0f, Float.NEGATIVE_INFINITY, Float.NaN, Float.POSITIVE_INFINITY}))
        .isEqualTo(1);
    assertThat(SgdKernel.firstNonFinite(new float[0])).isEqualTo(-1);
  }

  /** The check works in blocks: bad values on either side of a block edge, and in the tail. */
  @Test
  void firstNonFinite_acrossBlockEdges_findsTheFirstBadValue() {
    float[] nonFinite = {
      Float.NaN,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.intBitsToFloat(0xffc00001), // a negative NaN with a payload
      Float.intBitsToFloat(0x7f800001) // a signalling NaN
    };
    SplittableRandom random = new SplittableRandom(17);
    for (int length : new int[] {1, 4095, 4096, 4097, 8192, 10_001}) {
      float[] values = new float[length];
      for (int i = 0; i < length; i++) {
        values[i] = (float) (random.nextGaussian() * 1e30);
      }
      values[length / 2] = Float.MAX_VALUE;
      values[length - 1] = -Float.MIN_VALUE;
      assertThat(SgdKernel.firstNonFinite(values)).isEqualTo(-1);
      for (int at : new int[] {0, 4095, 4096, 4097, length - 1}) {
        if (at >= length) {
          continue;
        }
        for (float bad : nonFinite) {
          float[] copy = values.clone();
          copy[at] = bad;
          if (at + 1 < length) {
            copy[length - 1] = Float.NaN; // a later bad value must not win
          }
          assertThat(SgdKernel.firstNonFinite(copy))
              .as("%s at %d of %d", bad, at, length)
              .isEqualTo(at);
        }
      }
    }
  }
}
