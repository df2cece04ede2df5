package io.paramstream.client.internal;

import io.paramstream.client.GroupInfo;
import io.paramstream.client.Hyperparameters;

/** Conversion between the client's value records and the paramstream.v1 messages. */
public final class Protos {
  private Protos() {}

  public static io.paramstream.proto.v1.Hyperparameters toProto(Hyperparameters h) {
    return io.paramstream.proto.v1.Hyperparameters.newBuilder()
        .setLearningRate(h.learningRate())
        .setWeightDecay(h.weightDecay())
        .build();
  }

  public static Hyperparameters fromProto(io.paramstream.proto.v1.Hyperparameters h) {
    return new Hyperparameters(h.getLearningRate(), h.getWeightDecay());
  }

  public static GroupInfo fromProto(io.paramstream.proto.v1.GroupInfo g) {
    return new GroupInfo(
        g.getName(),
        g.getSize(),
        g.getWeightDecay(),
        g.getVersion(),
        g.hasHyperparameters() ? fromProto(g.getHyperparameters()) : null);
  }
}
