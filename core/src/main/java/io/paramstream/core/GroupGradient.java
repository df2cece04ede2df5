package io.paramstream.core;

/**
 * The gradient of one group within a push. The store reads {@code values} only while the push is
 * being applied and keeps no reference, so callers may reuse the array afterwards.
 */
public record GroupGradient(String group, float[] values) {}
