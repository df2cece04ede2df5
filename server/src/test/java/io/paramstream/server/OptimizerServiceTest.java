package io.paramstream.server;

import static io.paramstream.server.Wire.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.paramstream.proto.v1.GroupInfo;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The optimizer fields of the contract, through the real service on the in-process transport. */
@Timeout(30)
class OptimizerServiceTest {

  @RegisterExtension final InProcessServerExtension grpc = new InProcessServerExtension();

  private GroupInfo listOne(String name) {
    return grpc.blocking()
        .listGroups(ListGroupsRequest.newBuilder().addNames(name).build())
        .getGroups(0);
  }

  @Test
  void createGroup_withoutOptimizer_reportsPlainSgd() throws Exception {
    Wire.create(grpc.async(), group("w", true, 1f));
    Optimizer optimizer = listOne("w").getOptimizer();
    assertThat(optimizer.getKind()).isEqualTo(Optimizer.Kind.SGD);
    assertThat(optimizer.getMomentum()).isZero();
  }

  @Test
  void createGroup_adamWWithDefaults_reportsTorchDefaults() throws Exception {
    Wire.create(
        grpc.async(),
        group("w", true, 1f).toBuilder()
            .setOptimizer(Optimizer.newBuilder().setKind(Optimizer.Kind.ADAMW))
            .build());
    Optimizer optimizer = listOne("w").getOptimizer();
    assertThat(optimizer.getKind()).isEqualTo(Optimizer.Kind.ADAMW);
    assertThat(optimizer.getBeta1()).isEqualTo(0.9);
    assertThat(optimizer.getBeta2()).isEqualTo(0.999);
    assertThat(optimizer.getEpsilon()).isEqualTo(1e-8);
  }

  @Test
  void createGroup_momentumOnAdam_invalidArgument() {
    assertThatThrownBy(
            () ->
                Wire.create(
                    grpc.async(),
                    group("w", true, 1f).toBuilder()
                        .setOptimizer(
                            Optimizer.newBuilder().setKind(Optimizer.Kind.ADAM).setMomentum(0.9))
                        .build()))
        .hasRootCauseInstanceOf(StatusRuntimeException.class)
        .rootCause()
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("SGD only");
  }
}
