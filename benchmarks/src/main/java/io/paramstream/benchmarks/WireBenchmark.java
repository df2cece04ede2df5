package io.paramstream.benchmarks;

import com.google.protobuf.CodedOutputStream;
import io.grpc.KnownLength;
import io.paramstream.client.internal.FloatCodec;
import io.paramstream.client.internal.PushChunker;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.wire.AliasingMarshaller;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU side of one push message on the wire, without the network: the client encoding floats
 * into a PushRequest and serializing it, and the server parsing it from a stream (as the gRPC
 * marshaller does) and decoding the payload into a reused staging array. Run with {@code -prof gc}
 * to see the bytes allocated per push ({@code gc.alloc.rate.norm}) against the payload size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class WireBenchmark {

  /** Floats per message; 262144 floats is the 1 MiB chunk the client sends at most. */
  @Param({"1024", "65536", "262144"})
  public int floats;

  private Map<String, float[]> gradients;
  private byte[] wire;
  private byte[] outputBuffer;
  private float[] staging;
  private final AliasingMarshaller<PushRequest> aliasing =
      AliasingMarshaller.of(PushRequest.getDefaultInstance());

  @Setup
  public void setUp() {
    float[] g = new float[floats];
    for (int i = 0; i < floats; i++) {
      g[i] = i * 1e-3f;
    }
    gradients = Map.of("layer0/weights", g);
    PushRequest message =
        new PushChunker(1, gradients, PushChunker.DEFAULT_MAX_PAYLOAD_BYTES).next();
    wire = message.toByteArray();
    outputBuffer = new byte[wire.length + 64];
    staging = new float[floats];
  }

  /** Client: floats -> PushRequest -> bytes (into a reused buffer, as a transport would). */
  @Benchmark
  public int encodePush() throws IOException {
    PushRequest message =
        new PushChunker(1, gradients, PushChunker.DEFAULT_MAX_PAYLOAD_BYTES).next();
    CodedOutputStream out = CodedOutputStream.newInstance(outputBuffer);
    message.writeTo(out);
    return out.getTotalBytesWritten();
  }

  /**
   * Server, as it runs: gRPC's known-length stream parsed by {@link AliasingMarshaller} (one copy
   * into a per-thread buffer; the payload aliases it) -> floats in a reused staging array.
   */
  @Benchmark
  public float decodePushAliasing() {
    PushRequest message = aliasing.parse(new KnownLengthStream(wire));
    GradientSlice slice = message.getGradients(0);
    FloatCodec.decodeInto(slice.getValues(), staging, 0);
    return staging[floats - 1];
  }

  /** What gRPC hands a marshaller: a stream that knows its length. */
  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] bytes) {
      super(bytes);
    }
  }

  /** Baseline: bytes -> PushRequest (protobuf's generic stream parser) -> floats. */
  @Benchmark
  public float decodePush() throws IOException {
    PushRequest message = PushRequest.parseFrom(new ByteArrayInputStream(wire));
    GradientSlice slice = message.getGradients(0);
    FloatCodec.decodeInto(slice.getValues(), staging, 0);
    return staging[floats - 1];
  }
}
