package io.paramstream.client;

import io.paramstream.client.internal.Protos;
import io.paramstream.proto.v1.CreateTableRequest;

/** Conversion between the table value records and the paramstream.v1 table messages. */
final class TableMessages {
  private TableMessages() {}

  static CreateTableRequest toRequest(TableSpec spec) {
    CreateTableRequest.Builder request =
        CreateTableRequest.newBuilder()
            .setName(spec.name())
            .setDim(spec.dim())
            .setKeyed(spec.keyed())
            .setRows(spec.rows())
            .setWeightDecay(spec.weightDecay())
            .setIdOffset(spec.idOffset())
            .setIdStride(spec.idStride());
    if (spec.hyperparameters() != null) {
      request.setHyperparameters(Protos.toProto(spec.hyperparameters()));
    }
    if (spec.optimizer() != null) {
      request.setOptimizer(spec.optimizer().toProto());
    }
    if (spec.initializer() != null) {
      request.setInitializer(toProto(spec.initializer()));
    }
    return request.build();
  }

  static io.paramstream.proto.v1.RowInitializer toProto(RowInitializer initializer) {
    return io.paramstream.proto.v1.RowInitializer.newBuilder()
        .setKind(io.paramstream.proto.v1.RowInitializer.Kind.valueOf(initializer.kind().name()))
        .setScale(initializer.scale())
        .setSeed(initializer.seed())
        .build();
  }

  static TableInfo fromProto(io.paramstream.proto.v1.TableInfo t) {
    return new TableInfo(
        t.getName(),
        t.getDim(),
        t.getKeyed(),
        t.getRows(),
        t.getMaxRows(),
        t.getWeightDecay(),
        t.getVersion(),
        t.hasHyperparameters() ? Protos.fromProto(t.getHyperparameters()) : null,
        t.hasOptimizer() ? OptimizerSpec.fromProto(t.getOptimizer()) : null,
        t.hasInitializer() ? fromProto(t.getInitializer()) : null,
        t.getBytes(),
        t.getIdOffset(),
        Math.max(1, t.getIdStride()));
  }

  private static RowInitializer fromProto(io.paramstream.proto.v1.RowInitializer i) {
    RowInitializer.Kind kind =
        switch (i.getKind()) {
          case UNIFORM -> RowInitializer.Kind.UNIFORM;
          case NORMAL -> RowInitializer.Kind.NORMAL;
          default -> RowInitializer.Kind.ZEROS;
        };
    return new RowInitializer(kind, i.getScale(), i.getSeed());
  }
}
