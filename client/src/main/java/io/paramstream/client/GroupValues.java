package io.paramstream.client;

import java.util.Arrays;
import java.util.Objects;

/**
 * The values of one group at one version, as read by a pull or a watch. The array is freshly
 * allocated for the caller, who owns it and may modify it.
 *
 * @param name group name
 * @param version version of the values (number of pushes applied)
 * @param values the group's elements
 */
public record GroupValues(String name, long version, float[] values) {
  public GroupValues {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(values, "values");
  }

  // Records compare arrays by identity; a value type should compare contents.
  @Override
  public boolean equals(Object o) {
    return o instanceof GroupValues other
        && name.equals(other.name)
        && version == other.version
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "GroupValues[name=" + name + ", version=" + version + ", size=" + values.length + "]";
  }
}
