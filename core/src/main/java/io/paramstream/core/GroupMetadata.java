package io.paramstream.core;

/** What the store knows about a group, without its values. */
public record GroupMetadata(
    String name,
    int size,
    boolean weightDecay,
    long version,
    Hyperparameters hyperparameters,
    Optimizer optimizer) {

  /** Metadata of a plain-SGD group. */
  public GroupMetadata(
      String name, int size, boolean weightDecay, long version, Hyperparameters hyperparameters) {
    this(name, size, weightDecay, version, hyperparameters, Optimizer.sgd());
  }
}
