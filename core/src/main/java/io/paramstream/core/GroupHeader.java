package io.paramstream.core;

import java.util.Objects;

/**
 * What a checkpoint records about one group besides its arrays, fixed at the checkpoint's cut.
 *
 * @param size number of elements of the values and of each optimizer buffer
 * @param steps the optimizer's step count
 */
public record GroupHeader(
    String name,
    boolean weightDecay,
    long version,
    Hyperparameters hyperparameters,
    int size,
    Optimizer optimizer,
    long steps) {

  public GroupHeader {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    Objects.requireNonNull(optimizer, "optimizer");
  }

  /** SGD momentum buffer or Adam's first moment: every rule but plain SGD keeps one. */
  public boolean hasFirstMoment() {
    return !optimizer.isPlainSgd();
  }

  /** Adam's second moment. */
  public boolean hasSecondMoment() {
    return optimizer.kind() != Optimizer.Kind.SGD;
  }

  /** Bytes of the values and optimizer buffers together: what a copy of the group costs. */
  public long arrayBytes() {
    return (long) optimizer.arraysPerElement() * size * Float.BYTES;
  }
}
