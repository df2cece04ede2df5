package io.paramstream.example;

/**
 * Softmax regression: {@code p = softmax(W x + b)} with W of shape [10, 64] (row-major) and b of
 * [10], trained on the mean cross-entropy of a batch. Sums are in double so a gradient does not
 * depend on float rounding of long sums.
 */
public final class Softmax {

  public static final int WEIGHTS = Digits.CLASSES * Digits.FEATURES;
  public static final int BIASES = Digits.CLASSES;

  private Softmax() {}

  /**
   * Mean cross-entropy over {@code rows} and its gradient, written to {@code gradW} and {@code
   * gradB}.
   *
   * @return the mean loss
   */
  public static double lossAndGradient(
      float[] w, float[] b, Digits data, int[] rows, float[] gradW, float[] gradB) {
    double[] gw = new double[WEIGHTS];
    double[] gb = new double[BIASES];
    double[] p = new double[Digits.CLASSES];
    double loss = 0;
    for (int row : rows) {
      float[] x = data.features()[row];
      int y = data.labels()[row];
      probabilities(w, b, x, p);
      loss -= Math.log(Math.max(p[y], 1e-12));
      // d loss / d logits = p - onehot(y)
      for (int k = 0; k < Digits.CLASSES; k++) {
        double d = p[k] - (k == y ? 1 : 0);
        gb[k] += d;
        int base = k * Digits.FEATURES;
        for (int j = 0; j < Digits.FEATURES; j++) {
          gw[base + j] += d * x[j];
        }
      }
    }
    double n = rows.length;
    for (int i = 0; i < WEIGHTS; i++) {
      gradW[i] = (float) (gw[i] / n);
    }
    for (int k = 0; k < BIASES; k++) {
      gradB[k] = (float) (gb[k] / n);
    }
    return loss / n;
  }

  /** Fraction of {@code data} classified correctly. */
  public static double accuracy(float[] w, float[] b, Digits data) {
    double[] p = new double[Digits.CLASSES];
    int correct = 0;
    for (int i = 0; i < data.size(); i++) {
      probabilities(w, b, data.features()[i], p);
      int best = 0;
      for (int k = 1; k < Digits.CLASSES; k++) {
        if (p[k] > p[best]) {
          best = k;
        }
      }
      if (best == data.labels()[i]) {
        correct++;
      }
    }
    return correct / (double) data.size();
  }

  private static void probabilities(float[] w, float[] b, float[] x, double[] p) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < Digits.CLASSES; k++) {
      double z = b[k];
      int base = k * Digits.FEATURES;
      for (int j = 0; j < Digits.FEATURES; j++) {
        z += (double) w[base + j] * x[j];
      }
      p[k] = z;
      max = Math.max(max, z);
    }
    double sum = 0;
    for (int k = 0; k < Digits.CLASSES; k++) {
      p[k] = Math.exp(p[k] - max);
      sum += p[k];
    }
    for (int k = 0; k < Digits.CLASSES; k++) {
      p[k] /= sum;
    }
  }
}
