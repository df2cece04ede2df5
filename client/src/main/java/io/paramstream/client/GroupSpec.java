package io.paramstream.client;

import java.util.Arrays;
import java.util.Objects;

/**
 * What to create: a named parameter group with its initial values. The group's size is the length
 * of {@code initialValues}.
 *
 * <p>The array is not copied, to avoid doubling the memory of large groups: do not modify it while
 * {@link ParamstreamClient#createGroup} runs.
 *
 * @param name unique group name, non-empty
 * @param initialValues initial values; the group has {@code initialValues.length > 0} elements
 * @param weightDecay whether the update applies weight decay (true for weights, false for biases
 *     and normalisation parameters)
 * @param hyperparameters the group's hyperparameters, or {@code null} for the server's defaults
 * @param optimizer the group's update rule, or {@code null} for plain SGD
 */
public record GroupSpec(
    String name,
    float[] initialValues,
    boolean weightDecay,
    Hyperparameters hyperparameters,
    OptimizerSpec optimizer) {

  /** A plain-SGD group. */
  public GroupSpec(
      String name, float[] initialValues, boolean weightDecay, Hyperparameters hyperparameters) {
    this(name, initialValues, weightDecay, hyperparameters, null);
  }

  /** Validates what can be checked locally so that mistakes fail before any network traffic. */
  public GroupSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(initialValues, "initialValues");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("group name must not be empty");
    }
    if (initialValues.length == 0) {
      throw new IllegalArgumentException("group " + name + " must have at least one element");
    }
  }

  /** A group of {@code size} zeros with the server's default hyperparameters. */
  public static GroupSpec zeros(String name, int size, boolean weightDecay) {
    if (size <= 0) {
      throw new IllegalArgumentException("size must be > 0, got " + size);
    }
    return new GroupSpec(name, new float[size], weightDecay, null);
  }

  // Records compare arrays by identity; a value type should compare contents.
  @Override
  public boolean equals(Object o) {
    return o instanceof GroupSpec other
        && name.equals(other.name)
        && Arrays.equals(initialValues, other.initialValues)
        && weightDecay == other.weightDecay
        && Objects.equals(hyperparameters, other.hyperparameters)
        && Objects.equals(optimizer, other.optimizer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, Arrays.hashCode(initialValues), weightDecay, hyperparameters, optimizer);
  }

  @Override
  public String toString() {
    return "GroupSpec[name="
        + name
        + ", size="
        + initialValues.length
        + ", weightDecay="
        + weightDecay
        + ", hyperparameters="
        + hyperparameters
        + ", optimizer="
        + optimizer
        + "]";
  }
}
