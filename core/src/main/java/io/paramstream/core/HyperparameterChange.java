package io.paramstream.core;

import java.util.OptionalDouble;

/**
 * A run-time change of some of a group's hyperparameters: what is empty stays as it is, so a
 * learning-rate schedule can set the learning rate alone and never touch the weight decay.
 */
public record HyperparameterChange(OptionalDouble learningRate, OptionalDouble weightDecay) {

  public HyperparameterChange {
    if (learningRate.isEmpty() && weightDecay.isEmpty()) {
      throw new IllegalArgumentException(
          "the change names no hyperparameter: set learning_rate, weight_decay or both");
    }
  }

  /** Sets both. */
  public static HyperparameterChange of(Hyperparameters hyperparameters) {
    return new HyperparameterChange(
        OptionalDouble.of(hyperparameters.learningRate()),
        OptionalDouble.of(hyperparameters.weightDecay()));
  }

  /** Sets the learning rate alone. */
  public static HyperparameterChange learningRate(double learningRate) {
    return new HyperparameterChange(OptionalDouble.of(learningRate), OptionalDouble.empty());
  }

  /**
   * The hyperparameters after this change.
   *
   * @throws IllegalArgumentException naming the bad value, when the result is not valid
   */
  public Hyperparameters applyTo(Hyperparameters current) {
    return new Hyperparameters(
        learningRate.orElse(current.learningRate()), weightDecay.orElse(current.weightDecay()));
  }
}
