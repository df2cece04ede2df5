package io.paramstream.server;

import io.paramstream.core.GroupMetadata;
import io.paramstream.core.HyperparameterChange;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.proto.v1.GroupInfo;
import java.util.Optional;
import java.util.OptionalDouble;

/** Proto <-> domain conversion for values that are not payloads. */
final class Converters {

  private Converters() {}

  static GroupInfo toProto(GroupMetadata group) {
    return GroupInfo.newBuilder()
        .setName(group.name())
        .setSize(group.size())
        .setWeightDecay(group.weightDecay())
        .setVersion(group.version())
        .setHyperparameters(toProto(group.hyperparameters()))
        .setOptimizer(toProto(group.optimizer()))
        .build();
  }

  static io.paramstream.proto.v1.Hyperparameters toProto(Hyperparameters hyperparameters) {
    return io.paramstream.proto.v1.Hyperparameters.newBuilder()
        .setLearningRate(hyperparameters.learningRate())
        .setWeightDecay(hyperparameters.weightDecay())
        .build();
  }

  /**
   * Validates (finite, >= 0) and converts; a field left unset takes its value from {@code
   * defaults}. IllegalArgumentException names the bad value.
   */
  static Hyperparameters fromProto(
      io.paramstream.proto.v1.Hyperparameters hyperparameters, Hyperparameters defaults) {
    return changeFromProto(hyperparameters).map(c -> c.applyTo(defaults)).orElse(defaults);
  }

  /** The fields a SetHyperparameters request sets, or empty when it sets none. */
  static Optional<HyperparameterChange> changeFromProto(
      io.paramstream.proto.v1.Hyperparameters hyperparameters) {
    OptionalDouble lr =
        hyperparameters.hasLearningRate()
            ? OptionalDouble.of(hyperparameters.getLearningRate())
            : OptionalDouble.empty();
    OptionalDouble wd =
        hyperparameters.hasWeightDecay()
            ? OptionalDouble.of(hyperparameters.getWeightDecay())
            : OptionalDouble.empty();
    return lr.isEmpty() && wd.isEmpty()
        ? Optional.empty()
        : Optional.of(new HyperparameterChange(lr, wd));
  }

  static io.paramstream.proto.v1.Optimizer toProto(Optimizer optimizer) {
    io.paramstream.proto.v1.Optimizer.Builder proto =
        io.paramstream.proto.v1.Optimizer.newBuilder()
            .setKind(io.paramstream.proto.v1.Optimizer.Kind.valueOf(optimizer.kind().name()));
    if (optimizer.kind() == Optimizer.Kind.SGD) {
      proto
          .setMomentum(optimizer.momentum())
          .setDampening(optimizer.dampening())
          .setNesterov(optimizer.nesterov());
    } else {
      proto.setBeta1(optimizer.beta1()).setBeta2(optimizer.beta2()).setEpsilon(optimizer.epsilon());
    }
    return proto.build();
  }

  /** Validates and converts, filling unset Adam settings with PyTorch's defaults. */
  static Optimizer fromProto(io.paramstream.proto.v1.Optimizer optimizer) {
    double beta1 = optimizer.hasBeta1() ? optimizer.getBeta1() : Optimizer.DEFAULT_BETA1;
    double beta2 = optimizer.hasBeta2() ? optimizer.getBeta2() : Optimizer.DEFAULT_BETA2;
    double epsilon = optimizer.hasEpsilon() ? optimizer.getEpsilon() : Optimizer.DEFAULT_EPSILON;
    Optimizer.Kind kind =
        switch (optimizer.getKind()) {
          case SGD -> Optimizer.Kind.SGD;
          case ADAM -> Optimizer.Kind.ADAM;
          case ADAMW -> Optimizer.Kind.ADAMW;
          case UNRECOGNIZED ->
              throw new IllegalArgumentException(
                  "unknown optimizer kind " + optimizer.getKindValue());
        };
    if (kind != Optimizer.Kind.SGD
        && (optimizer.getMomentum() != 0
            || optimizer.getDampening() != 0
            || optimizer.getNesterov())) {
      throw new IllegalArgumentException(
          "momentum, dampening and nesterov apply to SGD only, not " + kind);
    }
    return new Optimizer(
        kind,
        optimizer.getMomentum(),
        optimizer.getDampening(),
        optimizer.getNesterov(),
        beta1,
        beta2,
        epsilon);
  }
}
