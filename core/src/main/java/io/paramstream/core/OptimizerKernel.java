package io.paramstream.core;

/**
 * The stateful update rules of {@link Optimizer} on a range of elements, shared by dense groups
 * (the whole array, through {@code OptimizerState}) and sparse tables (one row at a time), so a row
 * of a table moves exactly as the same numbers in a group would. Each element is computed in double
 * and stored as float32. Callers validate the gradient and hold the owner's lock.
 *
 * <p>{@code theta}, {@code first} and {@code second} share one layout: the range is {@code [offset,
 * offset + length)} in each; the gradient is read from {@code grad[gradOffset, ...)}.
 */
public final class OptimizerKernel {

  private OptimizerKernel() {}

  /**
   * One step of {@code optimizer} on the range.
   *
   * @param first the momentum buffer (SGD) or first moment (Adam); unused by plain SGD
   * @param second the second moment (Adam); unused by SGD
   * @param steps the step count including this step; Adam's bias correction uses it
   * @param freshBuffer SGD momentum only: start the buffer at this gradient, undamped, as PyTorch
   *     does on a parameter's first step; when false the buffer is decayed and damped as usual
   * @param decay the owner's decay flag; when false the weight decay is taken as 0
   */
  public static void apply(
      Optimizer optimizer,
      float[] theta,
      float[] first,
      float[] second,
      int offset,
      float[] grad,
      int gradOffset,
      int length,
      Hyperparameters hyperparameters,
      boolean decay,
      long steps,
      boolean freshBuffer) {
    if (optimizer.isPlainSgd()) {
      SgdKernel.applyInPlace(theta, offset, grad, gradOffset, length, hyperparameters, decay);
      return;
    }
    double lr = hyperparameters.learningRate();
    double wd = decay ? hyperparameters.weightDecay() : 0.0;
    switch (optimizer.kind()) {
      case SGD ->
          momentumSgd(
              optimizer, theta, first, offset, grad, gradOffset, length, lr, wd, freshBuffer);
      case ADAM, ADAMW ->
          adam(
              optimizer,
              theta,
              first,
              second,
              offset,
              grad,
              gradOffset,
              length,
              lr,
              wd,
              steps,
              optimizer.kind() == Optimizer.Kind.ADAMW);
    }
  }

  private static void momentumSgd(
      Optimizer optimizer,
      float[] theta,
      float[] first,
      int offset,
      float[] grad,
      int gradOffset,
      int length,
      double lr,
      double wd,
      boolean freshBuffer) {
    double mu = optimizer.momentum();
    double damp = 1.0 - optimizer.dampening();
    boolean nesterov = optimizer.nesterov();
    for (int j = 0; j < length; j++) {
      int i = offset + j;
      double g = grad[gradOffset + j] + wd * theta[i];
      // PyTorch starts the buffer at the first gradient itself, undamped.
      double buf = freshBuffer ? g : mu * first[i] + damp * g;
      first[i] = (float) buf;
      double d = nesterov ? g + mu * buf : buf;
      theta[i] = (float) (theta[i] - lr * d);
    }
  }

  private static void adam(
      Optimizer optimizer,
      float[] theta,
      float[] first,
      float[] second,
      int offset,
      float[] grad,
      int gradOffset,
      int length,
      double lr,
      double wd,
      long steps,
      boolean decoupled) {
    double b1 = optimizer.beta1();
    double b2 = optimizer.beta2();
    double eps = optimizer.epsilon();
    double correction1 = 1.0 - Math.pow(b1, steps);
    double sqrtCorrection2 = Math.sqrt(1.0 - Math.pow(b2, steps));
    double stepSize = lr / correction1;
    for (int j = 0; j < length; j++) {
      int i = offset + j;
      double p = theta[i];
      double g = grad[gradOffset + j];
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
