package io.paramstream.client.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The wire encoding of dense vectors: float32 elements, 4 bytes each, IEEE 754 little-endian, no
 * header. Bulk buffer operations keep this at memory-copy speed for large groups.
 */
public final class FloatCodec {
  /** Bytes per encoded element. */
  public static final int BYTES_PER_FLOAT = Float.BYTES;

  private FloatCodec() {}

  /** Encodes a whole array. */
  public static ByteString encode(float[] values) {
    return encode(values, 0, values.length);
  }

  /** Encodes {@code values[offset, offset + length)}. */
  public static ByteString encode(float[] values, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, values.length);
    byte[] bytes = new byte[Math.multiplyExact(length, BYTES_PER_FLOAT)];
    ByteBuffer.wrap(bytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .put(values, offset, length);
    // The array is private to this method and never written again, so sharing it is safe and
    // saves a second copy of the payload.
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  /** Number of elements a payload holds; rejects a byte length that is not a multiple of 4. */
  public static int elementCount(ByteString payload) {
    if (payload.size() % BYTES_PER_FLOAT != 0) {
      throw new IllegalArgumentException(
          "payload of " + payload.size() + " bytes is not a whole number of float32 values");
    }
    return payload.size() / BYTES_PER_FLOAT;
  }

  /** Decodes a whole payload into a new array. */
  public static float[] decode(ByteString payload) {
    float[] values = new float[elementCount(payload)];
    decodeInto(payload, values, 0);
    return values;
  }

  /**
   * Decodes a payload into {@code target} starting at {@code offset}, so chunks of a large group
   * land directly in the final array.
   *
   * @return the number of elements written
   */
  public static int decodeInto(ByteString payload, float[] target, int offset) {
    int count = elementCount(payload);
    Objects.checkFromIndexSize(offset, count, target.length);
    payload
        .asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(target, offset, count);
    return count;
  }
}
