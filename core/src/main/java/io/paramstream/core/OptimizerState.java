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
    OptimizerKernel.apply(
        optimizer,
        theta,
        first,
        second,
        0,
        grad,
        0,
        theta.length,
        hyperparameters,
        decay,
        steps,
        steps == 1);
  }
}
