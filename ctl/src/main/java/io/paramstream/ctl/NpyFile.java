package io.paramstream.ctl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a float32 vector as a NumPy {@code .npy} file, format version 1.0: the magic string, a
 * little-endian header length, a Python dict literal padded with spaces to a multiple of 64 bytes
 * and ending in a newline, then the values as little-endian float32 ({@code '<f4'}), shape (n,).
 */
final class NpyFile {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  // Magic (8 bytes) and the header length (2 bytes) come before the header.
  private static final int PREAMBLE = MAGIC.length + 2;
  private static final int ALIGNMENT = 64;

  private NpyFile() {}

  static void write(float[] values, OutputStream out) throws IOException {
    out.write(header(values.length));
    ByteBuffer data = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      if (!data.hasRemaining()) {
        out.write(data.array(), 0, data.position());
        data.clear();
      }
      data.putFloat(value);
    }
    out.write(data.array(), 0, data.position());
  }

  /** Everything before the values. */
  static byte[] header(int length) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + length + ",), }";
    int padded = dict.length() + 1; // the closing newline
    padded += (ALIGNMENT - (PREAMBLE + padded) % ALIGNMENT) % ALIGNMENT;
    ByteBuffer header = ByteBuffer.allocate(PREAMBLE + padded).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putShort((short) padded).put(dict.getBytes(StandardCharsets.US_ASCII));
    while (header.remaining() > 1) {
      header.put((byte) ' ');
    }
    header.put((byte) '\n');
    return header.array();
  }
}
