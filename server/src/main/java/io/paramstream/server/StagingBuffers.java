package io.paramstream.server;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Gradient staging arrays kept by one push stream from one push to the next, so a worker pushing
 * again and again does not make the server allocate (and zero, and first-touch) a fresh array per
 * group per push. Arrays are kept by length, not by group, so a worker that pushes equally sized
 * groups in turn (one group per push) reuses them too. Safe because the store keeps no reference to
 * a gradient array once its push returns (see {@code GroupGradient}), and because a stream stages
 * one push at a time. Arrays are handed out without clearing: a push is applied only when its
 * slices covered every element, so stale values are always overwritten first.
 *
 * <p>At most {@link #MAX_RETAINED_FLOATS} floats are retained per stream, which bounds the idle
 * memory of a stream; beyond it, arrays given back are dropped. Not thread-safe: owned by one
 * stream, whose callbacks gRPC serializes.
 */
final class StagingBuffers {
  /** 16 Mi floats (64 MiB) per stream at most. */
  static final long MAX_RETAINED_FLOATS = 16L << 20;

  private final Map<Integer, ArrayDeque<float[]>> spareByLength = new HashMap<>();
  private long retainedFloats;

  /** An array of exactly {@code size} floats, with arbitrary contents. */
  float[] take(int size) {
    ArrayDeque<float[]> spare = spareByLength.get(size);
    float[] array = spare == null ? null : spare.poll();
    if (array == null) {
      return new float[size];
    }
    retainedFloats -= size;
    return array;
  }

  /** Gives back an array after its push was applied or rejected, keeping it if under the cap. */
  void give(float[] array) {
    if (retainedFloats + array.length > MAX_RETAINED_FLOATS) {
      return;
    }
    spareByLength.computeIfAbsent(array.length, length -> new ArrayDeque<>()).push(array);
    retainedFloats += array.length;
  }

  long retainedFloats() {
    return retainedFloats;
  }
}
