package io.paramstream.server;

import io.paramstream.core.GroupMetadata;
import io.paramstream.core.Hyperparameters;
import io.paramstream.proto.v1.GroupInfo;

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
        .build();
  }

  static io.paramstream.proto.v1.Hyperparameters toProto(Hyperparameters hyperparameters) {
    return io.paramstream.proto.v1.Hyperparameters.newBuilder()
        .setLearningRate(hyperparameters.learningRate())
        .setWeightDecay(hyperparameters.weightDecay())
        .build();
  }

  /** Validates (finite, >= 0) and converts; IllegalArgumentException names the bad value. */
  static Hyperparameters fromProto(io.paramstream.proto.v1.Hyperparameters hyperparameters) {
    return new Hyperparameters(hyperparameters.getLearningRate(), hyperparameters.getWeightDecay());
  }
}
