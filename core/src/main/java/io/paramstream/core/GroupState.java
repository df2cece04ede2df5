package io.paramstream.core;

import java.util.Objects;

/**
 * Everything needed to bring one group back exactly as it was: what a checkpoint stores per group.
 *
 * @param values owned by this record once built; callers must not change the array afterwards
 */
public record GroupState(
    String name,
    boolean weightDecay,
    long version,
    Hyperparameters hyperparameters,
    float[] values) {

  public GroupState {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    Objects.requireNonNull(values, "values");
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, got " + version);
    }
  }
}
