package io.paramstream.core;

/**
 * Bounds on what a store may hold; creating a group past them fails with RESOURCE_EXHAUSTED.
 *
 * @param maxGroups most groups at once
 * @param maxParameterBytes most float32 bytes over all groups at once
 */
public record StoreLimits(int maxGroups, long maxParameterBytes) {

  /** No limit beyond what the JVM can hold. */
  public static final StoreLimits NONE = new StoreLimits(Integer.MAX_VALUE, Long.MAX_VALUE);

  public StoreLimits {
    if (maxGroups < 0) {
      throw new IllegalArgumentException("max groups must be >= 0, got " + maxGroups);
    }
    if (maxParameterBytes < 0) {
      throw new IllegalArgumentException(
          "max parameter bytes must be >= 0, got " + maxParameterBytes);
    }
  }
}
