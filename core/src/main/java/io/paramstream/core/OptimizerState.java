package io.paramstream.core;

/**
 * The per-group state of an {@link Optimizer} (momentum buffer, Adam moments, step count) and the
 * update that uses it. Not thread-safe: the owning group's lock guards it.
 *
 * <p>Stateful rules compute each element in double and store float32, as the group's values are
 * float32; plain SGD delegates to {@link SgdKernel} so its results stay what they always were.
 */
final class OptimizerState {

  private final Optimizer optimizer;
  private final float[] first; // SGD momentum buffer, or Adam exp_avg
  private final float[] second; // Adam exp_avg_sq
  private long steps;

  OptimizerState(Optimizer optimizer, int size) {
    this.optimizer = optimizer;
    boolean stateful = !optimizer.isPlainSgd();
    this.first = stateful ? new float[size] : null;
    this.second = optimizer.kind() == Optimizer.Kind.SGD ? null : new float[size];
  }

  /** Brings back the state a checkpoint saved; sizes must match this group. */
  OptimizerState(OptimizerSnapshot snapshot, int size) {
    this(snapshot.optimizer(), size);
    this.steps = snapshot.steps();
    restore(first, snapshot.firstMoment(), "first moment");
    restore(second, snapshot.secondMoment(), "second moment");
  }

  private static void restore(float[] target, float[] saved, String what) {
    if (target == null) {
      return;
    }
    if (saved == null || saved.length != target.length) {
      throw new IllegalArgumentException(
          "optimizer "
              + what
              + " has "
              + (saved == null ? 0 : saved.length)
              + " elements, the group has "
              + target.length);
    }
    System.arraycopy(saved, 0, target, 0, saved.length);
  }

  Optimizer optimizer() {
    return optimizer;
  }

  /** A copy of the state, for a checkpoint. */
  OptimizerSnapshot snapshot() {
    return new OptimizerSnapshot(
        optimizer,
        steps,
        first == null ? null : first.clone(),
        second == null ? null : second.clone());
  }

  /** The live first-moment buffer, or null; for a checkpoint that must not change it. */
  float[] firstMoment() {
    return first;
  }

  /** The live second-moment buffer, or null; for a checkpoint that must not change it. */
  float[] secondMoment() {
    return second;
  }

  /** Number of updates applied so far (PyTorch's {@code step}). */
  long steps() {
    return steps;
  }

  /**
   * Applies one validated gradient to {@code theta} in place.
   *
   * @param decay the group's decay flag; when false the weight decay is taken as 0
   */
  void apply(float[] theta, float[] grad, Hyperparameters hyperparameters, boolean decay) {
    steps++;
    if (optimizer.isPlainSgd()) {
      SgdKernel.applyInPlace(theta, grad, hyperparameters, decay);
      return;
    }
    double lr = hyperparameters.learningRate();
    double wd = decay ? hyperparameters.weightDecay() : 0.0;
    switch (optimizer.kind()) {
      case SGD -> momentumSgd(theta, grad, lr, wd);
      case ADAM -> adam(theta, grad, lr, wd, false);
      case ADAMW -> adam(theta, grad, lr, wd, true);
    }
  }

  private void momentumSgd(float[] theta, float[] grad, double lr, double wd) {
    double mu = optimizer.momentum();
    double damp = 1.0 - optimizer.dampening();
    boolean nesterov = optimizer.nesterov();
    boolean firstStep = steps == 1;
    for (int i = 0; i < theta.length; i++) {
      double g = grad[i] + wd * theta[i];
      // PyTorch starts the buffer at the first gradient itself, undamped.
      double buf = firstStep ? g : mu * first[i] + damp * g;
      first[i] = (float) buf;
      double d = nesterov ? g + mu * buf : buf;
      theta[i] = (float) (theta[i] - lr * d);
    }
  }

  private void adam(float[] theta, float[] grad, double lr, double wd, boolean decoupled) {
    double b1 = optimizer.beta1();
    double b2 = optimizer.beta2();
    double eps = optimizer.epsilon();
    double correction1 = 1.0 - Math.pow(b1, steps);
    double sqrtCorrection2 = Math.sqrt(1.0 - Math.pow(b2, steps));
    double stepSize = lr / correction1;
    for (int i = 0; i < theta.length; i++) {
      double p = theta[i];
      double g = grad[i];
      if (decoupled) {
        p = p * (1.0 - lr * wd);
      } else {
        g = g + wd * p;
      }
      double m = b1 * first[i] + (1.0 - b1) * g;
      double v = b2 * second[i] + (1.0 - b2) * g * g;
      first[i] = (float) m;
      second[i] = (float) v;
      double denom = Math.sqrt(v) / sqrtCorrection2 + eps;
      theta[i] = (float) (p - stepSize * m / denom);
    }
  }
}
