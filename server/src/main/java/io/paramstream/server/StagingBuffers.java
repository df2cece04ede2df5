package io.paramstream.server;

import java.util.HashMap;
import java.util.Map;

/**
 * Gradient staging arrays kept by one push stream from one push to the next, so a worker pushing
 * the same groups again and again does not make the server allocate (and zero, and first-touch) a
 * fresh array per group per push. Safe because the store keeps no reference to a gradient array
 * once its push returns (see {@code GroupGradient}), and because a stream stages one push at a
 * time. Arrays are handed out without clearing: a push is applied only when its slices covered
 * every element, so stale values are always overwritten first.
 *
 * <p>At most {@link #MAX_RETAINED_FLOATS} floats are retained per stream, which bounds the idle
 * memory of a stream; larger pushes fall back to fresh arrays for the groups over the cap. Not
 * thread-safe: owned by one stream, whose callbacks gRPC serializes.
 */
final class StagingBuffers {
  /** 16 Mi floats (64 MiB) per stream at most. */
  static final long MAX_RETAINED_FLOATS = 16L << 20;

  private final Map<String, float[]> spare = new HashMap<>();
  private long retainedFloats;

  /** An array of exactly {@code size} floats for {@code group}, with arbitrary contents. */
  float[] take(String group, int size) {
    float[] array = spare.remove(group);
    if (array != null) {
      retainedFloats -= array.length;
      if (array.length == size) {
        return array;
      }
    }
    return new float[size];
  }

  /** Gives back an array after its push was applied or rejected, keeping it if under the cap. */
  void give(String group, float[] array) {
    if (retainedFloats + array.length > MAX_RETAINED_FLOATS) {
      return;
    }
    float[] previous = spare.put(group, array);
    retainedFloats += array.length - (previous == null ? 0 : previous.length);
  }

  long retainedFloats() {
    return retainedFloats;
  }
}
