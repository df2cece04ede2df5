package io.paramstream.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.GroupStoreException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Dense payloads: float32 little-endian in protobuf {@code bytes} fields. */
final class Payloads {

  private Payloads() {}

  /** Element count of a payload, rejecting a byte length that is not a multiple of 4. */
  static int elementCount(ByteString payload, String what) {
    int bytes = payload.size();
    if ((bytes & 3) != 0) {
      throw new GroupStoreException(
          Reason.INVALID_ARGUMENT,
          "payload of " + what + " is " + bytes + " bytes, not a multiple of 4 (float32)");
    }
    return bytes >>> 2;
  }

  /** Decodes a payload into {@code target} starting at element {@code offset}. */
  static void decodeInto(ByteString payload, float[] target, int offset) {
    payload
        .asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(target, offset, payload.size() >>> 2);
  }

  /** Encodes elements [from, from + count) of {@code values} into the start of {@code target}. */
  static void encodeInto(float[] values, int from, int count, byte[] target) {
    ByteBuffer.wrap(target, 0, count * Float.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .put(values, from, count);
  }

  /** Wraps without copying; the array must never change afterwards. */
  static ByteString wrap(byte[] bytes, int offset, int length) {
    return UnsafeByteOperations.unsafeWrap(bytes, offset, length);
  }
}
