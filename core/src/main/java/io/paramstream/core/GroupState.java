package io.paramstream.core;

import java.util.Objects;

/**
 * Everything needed to bring one group back exactly as it was: what a checkpoint stores per group.
 *
 * @param values owned by this record once built; callers must not change the array afterwards
 * @param optimizer the group's update rule and its state
 */
public record GroupState(
    String name,
    boolean weightDecay,
    long version,
    Hyperparameters hyperparameters,
    float[] values,
    OptimizerSnapshot optimizer) {

  public GroupState {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(optimizer, "optimizer");
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, got " + version);
    }
  }

  /** A plain-SGD group, which keeps no optimizer state. */
  public GroupState(
      String name,
      boolean weightDecay,
      long version,
      Hyperparameters hyperparameters,
      float[] values) {
    this(name, weightDecay, version, hyperparameters, values, OptimizerSnapshot.plainSgd());
  }
}
