package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A NumPy .npy v1.0 file of float32 as read back by a test, after checking its framing: the magic
 * string, a header padded so the data starts at a multiple of 64 bytes, a newline ending it.
 *
 * @param header the header dict, padding and newline stripped
 * @param values the data as little-endian float32
 */
record NpyContents(String header, float[] values) {

  static NpyContents read(Path file) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[8];
    bytes.get(magic);
    assertThat(magic).containsExactly(0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0);
    int headerLength = Short.toUnsignedInt(bytes.getShort());
    assertThat((10 + headerLength) % 64).isZero();
    byte[] header = new byte[headerLength];
    bytes.get(header);
    String dict = new String(header, StandardCharsets.US_ASCII);
    assertThat(dict).endsWith("\n");
    assertThat(bytes.remaining() % 4).isZero();
    float[] values = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(values);
    return new NpyContents(dict.strip(), values);
  }
}
