package io.paramstream.core;

/**
 * How a group turns gradients into updates, chosen when the group is created. The definitions
 * follow PyTorch's {@code torch.optim} (SGD, Adam, AdamW) so results can be reproduced there; the
 * learning rate and weight decay come from the group's {@link Hyperparameters}, which may change at
 * run time, while the fields here are fixed for the group's life.
 *
 * <p>{@link Kind#SGD} with {@code momentum == 0} is the seed kernel, {@link SgdKernel}, bit for
 * bit.
 *
 * @param momentum SGD momentum factor, in [0, 1); 0 disables the momentum buffer
 * @param dampening SGD dampening, in [0, 1]
 * @param nesterov SGD Nesterov momentum; needs {@code momentum > 0} and {@code dampening == 0}
 * @param beta1 Adam/AdamW first-moment decay, in [0, 1)
 * @param beta2 Adam/AdamW second-moment decay, in [0, 1)
 * @param epsilon Adam/AdamW denominator term, finite and {@code > 0}
 */
public record Optimizer(
    Kind kind,
    double momentum,
    double dampening,
    boolean nesterov,
    double beta1,
    double beta2,
    double epsilon) {

  /** The update rule. */
  public enum Kind {
    /** Stochastic gradient descent, optionally with (Nesterov) momentum; L2 decay added to grad. */
    SGD,
    /** Adam with L2 decay added to the gradient (PyTorch {@code Adam(weight_decay=...)}). */
    ADAM,
    /** Adam with decoupled decay {@code theta *= 1 - lr * wd} (PyTorch {@code AdamW}). */
    ADAMW
  }

  /** PyTorch's Adam defaults. */
  public static final double DEFAULT_BETA1 = 0.9;

  public static final double DEFAULT_BETA2 = 0.999;
  public static final double DEFAULT_EPSILON = 1e-8;

  public Optimizer {
    if (kind == null) {
      throw new IllegalArgumentException("optimizer kind must be set");
    }
    requireRange("momentum", momentum, 0, 1, false);
    requireRange("dampening", dampening, 0, 1, true);
    requireRange("beta1", beta1, 0, 1, false);
    requireRange("beta2", beta2, 0, 1, false);
    if (!Double.isFinite(epsilon) || epsilon <= 0) {
      throw new IllegalArgumentException("epsilon must be finite and > 0, got " + epsilon);
    }
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException(
          "nesterov momentum needs momentum > 0 and dampening = 0, got momentum "
              + momentum
              + ", dampening "
              + dampening);
    }
  }

  /** Plain SGD: the seed kernel. */
  public static Optimizer sgd() {
    return sgd(0, 0, false);
  }

  public static Optimizer sgd(double momentum, double dampening, boolean nesterov) {
    return new Optimizer(
        Kind.SGD, momentum, dampening, nesterov, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
  }

  public static Optimizer adam(double beta1, double beta2, double epsilon) {
    return new Optimizer(Kind.ADAM, 0, 0, false, beta1, beta2, epsilon);
  }

  public static Optimizer adamW(double beta1, double beta2, double epsilon) {
    return new Optimizer(Kind.ADAMW, 0, 0, false, beta1, beta2, epsilon);
  }

  /** Whether this is the stateless seed kernel. */
  public boolean isPlainSgd() {
    return kind == Kind.SGD && momentum == 0;
  }

  /**
   * Float arrays each parameter needs under this rule: its value, a momentum buffer or first moment
   * unless plain SGD, and Adam's second moment.
   */
  public int arraysPerElement() {
    return 1 + (isPlainSgd() ? 0 : 1) + (kind == Kind.SGD ? 0 : 1);
  }

  private static void requireRange(
      String name, double value, double low, double high, boolean highIncluded) {
    boolean ok =
        Double.isFinite(value) && value >= low && (highIncluded ? value <= high : value < high);
    if (!ok) {
      throw new IllegalArgumentException(
          name
              + " must be in ["
              + low
              + ", "
              + high
              + (highIncluded ? "]" : ")")
              + ", got "
              + value);
    }
  }
}
