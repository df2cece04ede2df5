package io.paramstream.core;

import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Plain SGD with L2 weight decay applied only to groups whose decay flag is set:
 *
 * <pre>
 *   decay:    theta_new = theta_old * (1 - lr * weight_decay) - lr * grad
 *   no decay: theta_new = theta_old - lr * grad
 * </pre>
 *
 * <p>Arithmetic is float32 with the two factors from {@link Hyperparameters#decayFactor()} and
 * {@link Hyperparameters#step()}, so {@link #update} (the reference form) and {@link #applyInPlace}
 * (the form the server runs) agree bit for bit.
 */
public final class SgdKernel {

  private SgdKernel() {}

  /**
   * The reference kernel: returns the updated groups and leaves every input untouched.
   *
   * @param parameters one array per group
   * @param gradients one array per group, each as long as its group
   * @param decayFlags one flag per group: whether weight decay applies to it
   * @throws IllegalArgumentException on a count or length mismatch or a non-finite gradient value
   */
  public static List<float[]> update(
      List<float[]> parameters,
      List<float[]> gradients,
      Hyperparameters hyperparameters,
      List<Boolean> decayFlags) {
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    if (gradients.size() != parameters.size()) {
      throw new IllegalArgumentException(
          "expected one gradient per group: "
              + parameters.size()
              + " groups, "
              + gradients.size()
              + " gradients");
    }
    if (decayFlags.size() != parameters.size()) {
      throw new IllegalArgumentException(
          "expected one decay flag per group: "
              + parameters.size()
              + " groups, "
              + decayFlags.size()
              + " flags");
    }
    for (int g = 0; g < parameters.size(); g++) {
      checkGradient("group " + g, parameters.get(g).length, gradients.get(g));
    }
    float step = hyperparameters.step();
    float decayFactor = hyperparameters.decayFactor();
    return IntStream.range(0, parameters.size())
        .mapToObj(
            g -> {
              float[] theta = parameters.get(g);
              float[] grad = gradients.get(g);
              boolean decay = decayFlags.get(g);
              float[] updated = new float[theta.length];
              for (int i = 0; i < theta.length; i++) {
                updated[i] =
                    decay ? theta[i] * decayFactor - step * grad[i] : theta[i] - step * grad[i];
              }
              return updated;
            })
        .toList();
  }

  /**
   * The kernel the server runs on its stored arrays: updates {@code theta} in place, allocating
   * nothing. Callers validate first ({@link #checkGradient}); this loop must stay branch-free so
   * the JIT vectorizes it.
   */
  public static void applyInPlace(
      float[] theta, float[] grad, Hyperparameters hyperparameters, boolean decay) {
    int n = theta.length;
    if (grad.length != n) {
      throw new IllegalArgumentException(
          "gradient has " + grad.length + " elements, the group has " + n);
    }
    // Multiplying by exactly 1.0f leaves theta unchanged, so one loop serves both cases.
    float keep = decay ? hyperparameters.decayFactor() : 1.0f;
    float step = hyperparameters.step();
    for (int i = 0; i < n; i++) {
      theta[i] = theta[i] * keep - step * grad[i];
    }
  }

  /**
   * Checks that a gradient fits its group and holds only finite values.
   *
   * @param groupName used in the message of the exception
   * @throws IllegalArgumentException naming the group and the offending length or element
   */
  public static void checkGradient(String groupName, int groupLength, float[] grad) {
    if (grad.length != groupLength) {
      throw new IllegalArgumentException(
          "gradient for "
              + groupName
              + " has "
              + grad.length
              + " elements, the group has "
              + groupLength);
    }
    int bad = firstNonFinite(grad);
    if (bad >= 0) {
      throw new IllegalArgumentException(
          "gradient for " + groupName + " has non-finite value " + grad[bad] + " at index " + bad);
    }
  }

  /** Index of the first NaN or infinite element, or -1 when all are finite. */
  public static int firstNonFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }
}
