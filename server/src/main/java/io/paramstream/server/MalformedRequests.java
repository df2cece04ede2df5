package io.paramstream.server;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses requests that do not parse with INVALID_ARGUMENT and one rate-limited WARN line, instead
 * of gRPC's default: a parse failure escapes into gRPC's executor, which closes the call as UNKNOWN
 * and logs a SEVERE stack trace per message (a client looping on garbage then fills the disk).
 *
 * <p>The rewritten service takes its requests as raw streams and parses them itself, inside the
 * call's listener, on the same thread gRPC would have used, so marshallers that rely on that (such
 * as the aliasing Push parser) keep working.
 */
final class MalformedRequests {

  private static final Logger log = LoggerFactory.getLogger(MalformedRequests.class);

  private final PeerWarnings warnings = new PeerWarnings(log);

  /** {@code service} with every method's requests parsed under this guard. */
  ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<InputStream, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<InputStream, ?> raw = guard(method);
      descriptor.addMethod(raw.getMethodDescriptor());
      methods.add(raw);
    }
    ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<InputStream, ?> method : methods) {
      guarded.addMethod(method);
    }
    return guarded.build();
  }

  private <Q, R> ServerMethodDefinition<InputStream, R> guard(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> parsed = method.getMethodDescriptor();
    MethodDescriptor<InputStream, R> raw =
        parsed.toBuilder(RawMarshaller.INSTANCE, parsed.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(
        raw, (call, headers) -> new GuardedCall<>(call, parsed).start(handler, headers));
  }

  /**
   * One call seen by the service as {@code ServerCall<Q, R>}. After a malformed request it is
   * closed with INVALID_ARGUMENT, the service is told the call was cancelled (as if the client had
   * gone), and whatever the service still sends or closes is dropped.
   */
  private final class GuardedCall<Q, R> extends ServerCall<Q, R> {

    private final ServerCall<InputStream, R> call;
    private final MethodDescriptor<Q, R> method;
    private volatile boolean refused;

    GuardedCall(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> method) {
      this.call = call;
      this.method = method;
    }

    ServerCall.Listener<InputStream> start(ServerCallHandler<Q, R> handler, Metadata headers) {
      ServerCall.Listener<Q> listener = handler.startCall(this, headers);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(InputStream message) {
          if (refused) {
            return;
          }
          Q request;
          try {
            request = method.parseRequest(message);
          } catch (RuntimeException e) {
            refuse(reason(e));
            listener.onCancel();
            return;
          }
          listener.onMessage(request);
        }

        @Override
        public void onHalfClose() {
          if (!refused) {
            listener.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          if (!refused) {
            listener.onCancel();
          }
        }

        @Override
        public void onComplete() {
          if (!refused) {
            listener.onComplete();
          }
        }

        @Override
        public void onReady() {
          if (!refused) {
            listener.onReady();
          }
        }
      };
    }

    private synchronized void refuse(String reason) {
      String description = "malformed request: " + reason;
      warnings.warn(call, description);
      refused = true;
      call.close(Status.INVALID_ARGUMENT.withDescription(description), new Metadata());
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!refused) {
        call.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!refused) {
        call.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!refused) {
        call.close(status, trailers);
      }
    }

    @Override
    public boolean isReady() {
      return !refused && call.isReady();
    }

    @Override
    public boolean isCancelled() {
      return refused || call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }

  /** What the marshaller said, and what the parser underneath said, on one line. */
  private static String reason(RuntimeException e) {
    String what = Status.fromThrowable(e).getDescription();
    StringBuilder reason = new StringBuilder(what == null ? "does not parse" : what);
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().equals(what)) {
        reason.append(": ").append(cause.getMessage());
        break;
      }
    }
    return reason.toString().replace('\n', ' ');
  }

  /** Passes the request bytes through unparsed; {@link GuardedCall} parses them. */
  private enum RawMarshaller implements MethodDescriptor.Marshaller<InputStream> {
    INSTANCE;

    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  }
}
