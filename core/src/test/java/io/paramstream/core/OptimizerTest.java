package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer's first ten steps through the store against a double-precision reference written
 * from the formulas in docs/optimizers.md, one scalar at a time, independent of the implementation.
 */
class OptimizerTest {

  private static final int STEPS = 10;
  private static final float[] INITIAL = {0.5f, -1.25f, 2.0f, 0.0f};
  private static final double LR = 0.1;
  private static final double WD = 0.05;

  /** A deterministic, sign-changing gradient for step t (1-based) and element i. */
  private static float gradient(int t, int i) {
    return (float) (Math.sin(0.7 * t + 1.3 * i) * (1.0 + 0.25 * i));
  }

  /** Runs the store for STEPS pushes and returns theta after each step. */
  private static float[][] run(Optimizer optimizer, boolean decay) {
    GroupStore store = new GroupStore(new Hyperparameters(LR, WD));
    store.create("g", INITIAL.clone(), decay, null, optimizer);
    float[][] trajectory = new float[STEPS][];
    for (int t = 1; t <= STEPS; t++) {
      float[] g = new float[INITIAL.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = gradient(t, i);
      }
      store.push(List.of(new GroupGradient("g", g)));
      trajectory[t - 1] = store.snapshot(List.of("g")).get("g");
    }
    return trajectory;
  }

  private static void assertMatches(float[][] actual, double[][] expected) {
    for (int t = 0; t < STEPS; t++) {
      for (int i = 0; i < INITIAL.length; i++) {
        double e = expected[t][i];
        assertThat((double) actual[t][i])
            .as("step %d element %d", t + 1, i)
            .isCloseTo(e, within(2e-6 * Math.max(1.0, Math.abs(e))));
      }
    }
  }

  private static double[][] sgdReference(double mu, double dampening, boolean nesterov, double wd) {
    double[][] out = new double[STEPS][INITIAL.length];
    for (int i = 0; i < INITIAL.length; i++) {
      double theta = INITIAL[i];
      double buf = 0;
      for (int t = 1; t <= STEPS; t++) {
        double g = gradient(t, i) + wd * theta;
        if (mu != 0) {
          buf = t == 1 ? g : mu * buf + (1 - dampening) * g;
          g = nesterov ? g + mu * buf : buf;
        }
        theta = theta - LR * g;
        out[t - 1][i] = theta;
      }
    }
    return out;
  }

  private static double[][] adamReference(
      double b1, double b2, double eps, double wd, boolean decoupled) {
    double[][] out = new double[STEPS][INITIAL.length];
    for (int i = 0; i < INITIAL.length; i++) {
      double theta = INITIAL[i];
      double m = 0;
      double v = 0;
      for (int t = 1; t <= STEPS; t++) {
        double g = gradient(t, i);
        if (decoupled) {
          theta = theta - LR * wd * theta;
        } else {
          g = g + wd * theta;
        }
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        double mHat = m / (1 - Math.pow(b1, t));
        double vHat = v / (1 - Math.pow(b2, t));
        theta = theta - LR * mHat / (Math.sqrt(vHat) + eps);
        out[t - 1][i] = theta;
      }
    }
    return out;
  }

  @Test
  void sgd_plain_isTheSeedKernelBitForBit() {
    float[][] actual = run(Optimizer.sgd(), true);
    float[] theta = INITIAL.clone();
    for (int t = 1; t <= STEPS; t++) {
      float[] g = new float[theta.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = gradient(t, i);
      }
      theta =
          SgdKernel.update(List.of(theta), List.of(g), new Hyperparameters(LR, WD), List.of(true))
              .get(0);
      assertThat(actual[t - 1]).containsExactly(theta);
    }
  }

  @Test
  void sgd_plain_matchesFormula() {
    assertMatches(run(Optimizer.sgd(), true), sgdReference(0, 0, false, WD));
  }

  @Test
  void sgdMomentum_first10Steps_matchFormula() {
    assertMatches(run(Optimizer.sgd(0.9, 0, false), true), sgdReference(0.9, 0, false, WD));
  }

  @Test
  void sgdMomentumWithDampening_first10Steps_matchFormula() {
    assertMatches(run(Optimizer.sgd(0.8, 0.3, false), true), sgdReference(0.8, 0.3, false, WD));
  }

  @Test
  void sgdNesterov_first10Steps_matchFormula() {
    assertMatches(run(Optimizer.sgd(0.9, 0, true), true), sgdReference(0.9, 0, true, WD));
  }

  @Test
  void sgdMomentum_decayFlagFalse_ignoresWeightDecay() {
    assertMatches(run(Optimizer.sgd(0.9, 0, true), false), sgdReference(0.9, 0, true, 0));
  }

  @Test
  void adam_first10Steps_matchFormula() {
    assertMatches(
        run(Optimizer.adam(0.9, 0.999, 1e-8), true), adamReference(0.9, 0.999, 1e-8, WD, false));
  }

  @Test
  void adam_decayFlagFalse_ignoresWeightDecay() {
    assertMatches(
        run(Optimizer.adam(0.8, 0.99, 1e-6), false), adamReference(0.8, 0.99, 1e-6, 0, false));
  }

  @Test
  void adamW_first10Steps_matchFormula() {
    assertMatches(
        run(Optimizer.adamW(0.9, 0.999, 1e-8), true), adamReference(0.9, 0.999, 1e-8, WD, true));
  }

  @Test
  void adamW_decayFlagFalse_ignoresWeightDecay() {
    assertMatches(
        run(Optimizer.adamW(0.9, 0.999, 1e-8), false), adamReference(0.9, 0.999, 1e-8, 0, true));
  }

  @Test
  void adamAndAdamW_withDecay_differ() {
    // Coupled and decoupled decay are different rules; a mix-up would make these equal.
    float[][] adam = run(Optimizer.adam(0.9, 0.999, 1e-8), true);
    float[][] adamW = run(Optimizer.adamW(0.9, 0.999, 1e-8), true);
    assertThat(adam[STEPS - 1]).isNotEqualTo(adamW[STEPS - 1]);
  }

  @Test
  void create_withOptimizer_reportsItInMetadata() {
    GroupStore store = new GroupStore(new Hyperparameters(LR, WD));
    Optimizer adam = Optimizer.adam(0.9, 0.999, 1e-8);
    assertThat(store.create("g", new float[2], true, null, adam).optimizer()).isEqualTo(adam);
    assertThat(store.create("h", new float[2], true, null).optimizer()).isEqualTo(Optimizer.sgd());
  }

  @Test
  void optimizer_badSettings_rejectedNamingTheValue() {
    assertThatThrownBy(() -> Optimizer.sgd(1.0, 0, false)).hasMessageContaining("momentum");
    assertThatThrownBy(() -> Optimizer.sgd(0.9, 0.1, true)).hasMessageContaining("nesterov");
    assertThatThrownBy(() -> Optimizer.sgd(0, 0, true)).hasMessageContaining("nesterov");
    assertThatThrownBy(() -> Optimizer.adam(1.0, 0.999, 1e-8)).hasMessageContaining("beta1");
    assertThatThrownBy(() -> Optimizer.adam(0.9, -0.1, 1e-8)).hasMessageContaining("beta2");
    assertThatThrownBy(() -> Optimizer.adamW(0.9, 0.999, 0)).hasMessageContaining("epsilon");
    assertThatThrownBy(() -> Optimizer.adamW(0.9, 0.999, Double.NaN))
        .hasMessageContaining("epsilon");
  }

  @Test
  void arraysPerElement_countsValueAndEveryStateBuffer() {
    assertThat(Optimizer.sgd().arraysPerElement()).isEqualTo(1);
    assertThat(Optimizer.sgd(0.9, 0, false).arraysPerElement()).isEqualTo(2);
    assertThat(Optimizer.adam(0.9, 0.999, 1e-8).arraysPerElement()).isEqualTo(3);
    assertThat(Optimizer.adamW(0.9, 0.999, 1e-8).arraysPerElement()).isEqualTo(3);
  }
}
