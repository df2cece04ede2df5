package io.paramstream.core;

import java.util.concurrent.locks.ReentrantLock;

/** One named group: its values and the metadata that changes with them, under one lock. */
final class ParameterGroup {

  /**
   * Creation order; locks are always taken in ascending id so multi-group pushes cannot deadlock.
   */
  final long id;

  final String name;
  final boolean weightDecay;
  final ReentrantLock lock = new ReentrantLock();

  /** Guarded by {@link #lock}. */
  final float[] values;

  /** Guarded by {@link #lock}. */
  private long version;

  /** Guarded by {@link #lock}. */
  private Hyperparameters hyperparameters;

  /** Guarded by {@link #lock}; once true, the group is gone and must not be read or changed. */
  private boolean deleted;

  ParameterGroup(
      long id, String name, float[] values, boolean weightDecay, Hyperparameters hyperparameters) {
    this(id, name, values, weightDecay, hyperparameters, 0);
  }

  /** A group brought back from a checkpoint at {@code version}. */
  ParameterGroup(
      long id,
      String name,
      float[] values,
      boolean weightDecay,
      Hyperparameters hyperparameters,
      long version) {
    this.version = version;
    this.id = id;
    this.name = name;
    this.values = values;
    this.weightDecay = weightDecay;
    this.hyperparameters = hyperparameters;
  }

  /** Applies a validated gradient and returns the new version. Caller holds {@link #lock}. */
  long apply(float[] gradient) {
    SgdKernel.applyInPlace(values, gradient, hyperparameters, weightDecay);
    return ++version;
  }

  /** Caller holds {@link #lock}. */
  GroupMetadata metadata() {
    return new GroupMetadata(name, values.length, weightDecay, version, hyperparameters);
  }

  /** Caller holds {@link #lock}. */
  long version() {
    return version;
  }

  /** Caller holds {@link #lock}. */
  void setHyperparameters(Hyperparameters hyperparameters) {
    this.hyperparameters = hyperparameters;
  }

  /** Caller holds {@link #lock}. */
  boolean isDeleted() {
    return deleted;
  }

  /** Caller holds {@link #lock}. */
  void markDeleted() {
    deleted = true;
  }
}
