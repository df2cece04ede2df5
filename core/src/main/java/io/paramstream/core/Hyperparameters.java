package io.paramstream.core;

/**
 * The learning rate and L2 weight decay the update kernel applies to a group.
 *
 * <p>Both must be finite and non-negative; a rejected value is named in the exception message so a
 * remote caller can see what it sent.
 */
public record Hyperparameters(double learningRate, double weightDecay) {

  public Hyperparameters {
    requireFiniteNonNegative("learning_rate", learningRate);
    requireFiniteNonNegative("weight_decay", weightDecay);
    // The kernel runs in float32: both factors must survive the rounding.
    if (!Float.isFinite((float) learningRate)) {
      throw new IllegalArgumentException("learning_rate must fit in float32, got " + learningRate);
    }
    if (!Float.isFinite((float) (learningRate * weightDecay))) {
      throw new IllegalArgumentException(
          "learning_rate * weight_decay must fit in float32, got "
              + learningRate
              + " * "
              + weightDecay);
    }
  }

  /**
   * {@code lr * weight_decay}, computed in double and rounded once to float: the share of theta a
   * decayed group loses per step (see {@link SgdKernel} for why it is not a factor {@code 1 - lr *
   * wd}), the same value in every form of the kernel.
   */
  public float decayStep() {
    return (float) (learningRate * weightDecay);
  }

  /** The learning rate rounded to float, the step the kernel scales gradients by. */
  public float step() {
    return (float) learningRate;
  }

  private static void requireFiniteNonNegative(String name, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }
}
