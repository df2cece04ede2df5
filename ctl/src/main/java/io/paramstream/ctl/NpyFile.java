package io.paramstream.ctl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes float32 values as a NumPy {@code .npy} file, format version 1.0: the magic string, a
 * little-endian header length, a Python dict literal padded with spaces to a multiple of 64 bytes
 * and ending in a newline, then the values as little-endian float32 ({@code '<f4'}) in row-major
 * order: shape (n,) for a vector, (rows, cols) for a matrix.
 */
final class NpyFile {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  // Magic (8 bytes) and the header length (2 bytes) come before the header.
  private static final int PREAMBLE = MAGIC.length + 2;
  private static final int ALIGNMENT = 64;

  private NpyFile() {}

  /** Writes a vector, shape (n,). */
  static void write(float[] values, OutputStream out) throws IOException {
    write(values, out, "(" + values.length + ",)");
  }

  /** Writes {@code values} as a {@code rows x cols} matrix, row after row. */
  static void writeMatrix(float[] values, int rows, int cols, OutputStream out) throws IOException {
    if ((long) rows * cols != values.length) {
      throw new IllegalArgumentException(
          values.length + " values are not a " + rows + " x " + cols + " matrix");
    }
    write(values, out, "(" + rows + ", " + cols + ")");
  }

  private static void write(float[] values, OutputStream out, String shape) throws IOException {
    out.write(header(shape));
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
  static byte[] header(String shape) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
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
