package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ServerServiceDefinition;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.wire.AliasingMarshaller;
import org.junit.jupiter.api.Test;

class PushParsingTest {

  @Test
  void installReplacesOnlyThePushParser() {
    ServerServiceDefinition standard =
        new ParameterServerGrpc.ParameterServerImplBase() {}.bindService();

    ServerServiceDefinition installed = PushParsing.install(standard);

    assertThat(installed.getMethods()).hasSameSizeAs(standard.getMethods());
    assertThat(installed.getServiceDescriptor().getSchemaDescriptor())
        .isSameAs(standard.getServiceDescriptor().getSchemaDescriptor());
    assertThat(
            installed
                .getMethod(ParameterServerGrpc.getPushMethod().getFullMethodName())
                .getMethodDescriptor()
                .getRequestMarshaller())
        .isInstanceOf(AliasingMarshaller.class);
    assertThat(
            installed
                .getMethod(ParameterServerGrpc.getPullMethod().getFullMethodName())
                .getMethodDescriptor())
        .isSameAs(ParameterServerGrpc.getPullMethod());
  }
}
