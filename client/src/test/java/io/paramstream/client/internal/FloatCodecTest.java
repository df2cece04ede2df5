package io.paramstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FloatCodecTest {
  @Test
  void encode_contractExample_isLittleEndianFloat32() {
    ByteString encoded = FloatCodec.encode(new float[] {1.0f, -2.5f});

    // The example given in parameter_server.proto.
    assertThat(encoded.toByteArray())
        .containsExactly(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0);
  }

  @Test
  void encodeSlice_decode_roundTrips() {
    float[] values = {0f, -0f, 1.5f, Float.MIN_VALUE, Float.MAX_VALUE, -3.25e-7f, 42f};

    ByteString encoded = FloatCodec.encode(values, 1, 5);

    assertThat(encoded.size()).isEqualTo(20);
    float[] decoded = FloatCodec.decode(encoded);
    assertThat(decoded).containsExactly(-0f, 1.5f, Float.MIN_VALUE, Float.MAX_VALUE, -3.25e-7f);
    assertThat(Float.floatToRawIntBits(decoded[0])).isEqualTo(Float.floatToRawIntBits(-0f));
  }

  @Test
  void decodeInto_offset_fillsOnlyThatSlice() {
    float[] target = new float[5];

    int written = FloatCodec.decodeInto(FloatCodec.encode(new float[] {7f, 8f}), target, 2);

    assertThat(written).isEqualTo(2);
    assertThat(target).containsExactly(0f, 0f, 7f, 8f, 0f);
  }

  @Test
  void decode_lengthNotMultipleOfFour_rejected() {
    ByteString sixBytes = ByteString.copyFrom(new byte[6]);

    assertThatThrownBy(() -> FloatCodec.decode(sixBytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("6 bytes");
    assertThatThrownBy(() -> FloatCodec.decodeInto(sixBytes, new float[4], 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decodeInto_payloadPastEnd_rejected() {
    assertThatThrownBy(
            () -> FloatCodec.decodeInto(FloatCodec.encode(new float[3]), new float[4], 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
