package io.paramstream.core;

import java.util.Objects;

/**
 * An optimizer's state copied out of a group, so a checkpoint brings a group back updating exactly
 * as it would have: the rule, its step count, and its buffers (SGD momentum, or Adam's first and
 * second moments; null where the rule keeps none).
 */
public record OptimizerSnapshot(
    Optimizer optimizer, long steps, float[] firstMoment, float[] secondMoment) {

  public OptimizerSnapshot {
    Objects.requireNonNull(optimizer, "optimizer");
    if (steps < 0) {
      throw new IllegalArgumentException("optimizer steps must be >= 0, got " + steps);
    }
  }

  /** The state of a fresh plain-SGD group. */
  public static OptimizerSnapshot plainSgd() {
    return new OptimizerSnapshot(Optimizer.sgd(), 0, null, null);
  }
}
