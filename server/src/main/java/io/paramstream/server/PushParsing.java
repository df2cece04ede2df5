package io.paramstream.server;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.wire.AliasingMarshaller;

/**
 * Parses Push messages with {@link AliasingMarshaller}: gradient slices alias the bytes gRPC read
 * instead of being copied out of them. Safe because {@link PushStreamHandler#onNext} decodes every
 * slice into its staging arrays before it returns and keeps no reference to the message.
 */
final class PushParsing {

  private PushParsing() {}

  /** The service with its Push method parsed without the copy; every other method unchanged. */
  @SuppressWarnings("unchecked")
  static ServerServiceDefinition install(ServerServiceDefinition service) {
    MethodDescriptor<PushRequest, PushAck> push =
        AliasingMarshaller.forRequests(
            ParameterServerGrpc.getPushMethod(), PushRequest.getDefaultInstance());
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (MethodDescriptor<?, ?> method : original.getMethods()) {
      descriptor.addMethod(isPush(method) ? push : method);
    }
    ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      if (isPush(method.getMethodDescriptor())) {
        rebuilt.addMethod(
            ServerMethodDefinition.create(
                push,
                ((ServerMethodDefinition<PushRequest, PushAck>) method).getServerCallHandler()));
      } else {
        rebuilt.addMethod(method);
      }
    }
    return rebuilt.build();
  }

  private static boolean isPush(MethodDescriptor<?, ?> method) {
    return method
        .getFullMethodName()
        .equals(ParameterServerGrpc.getPushMethod().getFullMethodName());
  }
}
