package io.paramstream.proto.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.PushRequest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {

  private final AliasingMarshaller<PushRequest> marshaller =
      AliasingMarshaller.of(PushRequest.getDefaultInstance());

  private static PushRequest push(long id, byte fill, int bytes) {
    byte[] values = new byte[bytes];
    java.util.Arrays.fill(values, fill);
    return PushRequest.newBuilder()
        .setPushId(id)
        .setWorkerId("w1")
        .setSequence(7)
        .setBaseVersion(3)
        .addGradients(
            GradientSlice.newBuilder()
                .setGroup("weights")
                .setOffset(1024)
                .setValues(ByteString.copyFrom(values)))
        .build();
  }

  /** What gRPC hands a marshaller: a stream that knows its length. */
  private static InputStream knownLength(PushRequest message) {
    final class Known extends ByteArrayInputStream implements KnownLength {
      Known(byte[] bytes) {
        super(bytes);
      }
    }
    return new Known(message.toByteArray());
  }

  @Test
  void parsesEveryFieldOfAPush() {
    PushRequest original = push(42, (byte) 5, 4096);

    assertThat(marshaller.parse(knownLength(original))).isEqualTo(original);
  }

  @Test
  void slicesAliasThePerThreadBufferInsteadOfCopyingIt() {
    // The point of this marshaller, seen from outside: the payload of a parsed message is the
    // thread's buffer, so the next parse on the same thread overwrites it. Consumers must decode
    // a message before the next one is parsed.
    PushRequest first = marshaller.parse(knownLength(push(1, (byte) 1, 64)));
    ByteString firstValues = first.getGradients(0).getValues();
    assertThat(firstValues.byteAt(0)).isEqualTo((byte) 1);

    marshaller.parse(knownLength(push(2, (byte) 9, 64)));

    assertThat(firstValues.byteAt(0)).isEqualTo((byte) 9);
  }

  @Test
  void aStreamOfUnknownLengthIsParsedByTheStandardMarshaller() {
    PushRequest original = push(3, (byte) 2, 100);
    InputStream unknownLength = new ByteArrayInputStream(original.toByteArray());

    assertThat(marshaller.parse(unknownLength)).isEqualTo(original);
  }

  @Test
  void aMessageLargerThanTheRetainedBufferIsParsedIntoItsOwnArray() {
    PushRequest huge = push(4, (byte) 3, 9 << 20);
    PushRequest parsed = marshaller.parse(knownLength(huge));

    marshaller.parse(knownLength(push(5, (byte) 8, 64)));

    assertThat(parsed).isEqualTo(huge);
  }

  @Test
  void anEmptyMessageIsTheDefaultPush() {
    assertThat(marshaller.parse(knownLength(PushRequest.getDefaultInstance())))
        .isEqualTo(PushRequest.getDefaultInstance());
  }

  @Test
  void garbageFailsWithInternalNamingTheMethod() {
    final class Known extends ByteArrayInputStream implements KnownLength {
      Known(byte[] bytes) {
        super(bytes);
      }
    }
    // Field 2 (length-delimited) claiming 100 bytes that are not there.
    InputStream truncated = new Known(new byte[] {0x12, 100, 1, 2, 3});

    assertThatThrownBy(() -> marshaller.parse(truncated))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription()).contains("PushRequest message");
            });
  }
}
