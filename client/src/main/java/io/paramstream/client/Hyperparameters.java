package io.paramstream.client;

/**
 * The learning rate and weight decay the server applies to a group in its SGD update. Validated
 * here so that a bad value fails at the call site rather than as a server error.
 *
 * @param learningRate learning rate {@code lr}; finite and {@code >= 0}
 * @param weightDecay L2 weight decay coefficient, applied only to groups created with weight decay;
 *     finite and {@code >= 0}
 */
public record Hyperparameters(double learningRate, double weightDecay) {
  /** Rejects negative, NaN and infinite values, which the server would refuse anyway. */
  public Hyperparameters {
    requireFiniteNonNegative("learningRate", learningRate);
    requireFiniteNonNegative("weightDecay", weightDecay);
  }

  private static void requireFiniteNonNegative(String name, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }
}
