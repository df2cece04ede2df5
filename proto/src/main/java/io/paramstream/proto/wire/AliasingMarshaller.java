package io.paramstream.proto.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;

/**
 * Parses messages that carry float payloads with one payload copy fewer than gRPC's protobuf
 * marshaller. That one reads a message into a per-thread array and then copies every {@code bytes}
 * field out of it into a new array: a second pass over the payload, and garbage the size of the
 * payload per message. Here {@code bytes} fields alias the per-thread array instead.
 *
 * <p>Use it only where every parsed message is consumed before its thread parses the next one: gRPC
 * parses a message on the thread that then hands it to the call's listener, so a listener that
 * decodes the payloads inside its {@code onNext} (and keeps no reference to the message or its
 * {@code bytes} fields) is safe. Serializing is gRPC's own.
 */
public final class AliasingMarshaller<T extends Message> implements Marshaller<T> {

  /** Larger buffers are not kept per thread, so one huge message does not pin memory forever. */
  private static final int MAX_RETAINED_BYTES = 8 << 20;

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[0]);

  private final T defaultInstance;
  private final Parser<T> parser;
  private final Marshaller<T> standard;

  @SuppressWarnings("unchecked")
  private AliasingMarshaller(T defaultInstance) {
    this.defaultInstance = defaultInstance;
    this.parser = (Parser<T>) defaultInstance.getParserForType();
    this.standard = ProtoUtils.marshaller(defaultInstance);
  }

  public static <T extends Message> AliasingMarshaller<T> of(T defaultInstance) {
    return new AliasingMarshaller<>(defaultInstance);
  }

  /** {@code method} with its requests parsed by an aliasing marshaller. */
  public static <Q extends Message, R> MethodDescriptor<Q, R> forRequests(
      MethodDescriptor<Q, R> method, Q defaultRequest) {
    return method.toBuilder(of(defaultRequest), method.getResponseMarshaller()).build();
  }

  /** {@code method} with its responses parsed by an aliasing marshaller. */
  public static <Q, R extends Message> MethodDescriptor<Q, R> forResponses(
      MethodDescriptor<Q, R> method, R defaultResponse) {
    return method.toBuilder(method.getRequestMarshaller(), of(defaultResponse)).build();
  }

  @Override
  public InputStream stream(T value) {
    return standard.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    if (!(stream instanceof KnownLength)) {
      return standard.parse(stream);
    }
    try {
      int size = stream.available();
      if (size == 0) {
        return defaultInstance;
      }
      byte[] buffer = buffer(size);
      int read = 0;
      while (read < size) {
        int n = stream.read(buffer, read, size - read);
        if (n < 0) {
          throw new IOException("message ended after " + read + " of " + size + " bytes");
        }
        read += n;
      }
      // A wrapped array counts as immutable, which is what lets `bytes` fields alias it.
      CodedInputStream input = UnsafeByteOperations.unsafeWrap(buffer, 0, size).newCodedInput();
      input.enableAliasing(true);
      input.setSizeLimit(Integer.MAX_VALUE);
      T message = parser.parseFrom(input, ExtensionRegistryLite.getEmptyRegistry());
      input.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL
          .withDescription("invalid protobuf byte sequence in a " + typeName() + " message")
          .withCause(e)
          .asRuntimeException();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read a " + typeName() + " message: " + e.getMessage())
          .withCause(e)
          .asRuntimeException();
    }
  }

  private String typeName() {
    return defaultInstance.getDescriptorForType().getName();
  }

  private static byte[] buffer(int size) {
    byte[] buffer = BUFFER.get();
    if (buffer.length >= size) {
      return buffer;
    }
    byte[] larger = new byte[Math.max(size, Math.min(2 * buffer.length, MAX_RETAINED_BYTES))];
    if (larger.length <= MAX_RETAINED_BYTES) {
      BUFFER.set(larger);
    }
    return larger;
  }
}
