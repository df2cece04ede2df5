package io.paramstream.server;

import io.paramstream.core.GroupStore;
import io.paramstream.core.table.KeyedTable;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableMetadata;
import io.paramstream.proto.v1.RowSelector;
import io.paramstream.proto.v1.TableInfo;

/** Proto <-> domain conversion for sparse tables. */
final class TableConverters {

  private TableConverters() {}

  static TableInfo toProto(TableMetadata table) {
    return TableInfo.newBuilder()
        .setName(table.name())
        .setDim(table.dim())
        .setKeyed(table.keyed())
        .setRows(table.rows())
        .setMaxRows(table.keyed() && table.maxRows() >= KeyedTable.MAX_ROWS ? 0 : table.maxRows())
        .setWeightDecay(table.decay())
        .setVersion(table.version())
        .setHyperparameters(Converters.toProto(table.hyperparameters()))
        .setOptimizer(Converters.toProto(table.optimizer()))
        .setInitializer(toProto(table.initializer()))
        .setBytes(table.storedBytes())
        .setIdOffset(table.idOffset())
        .setIdStride(table.idStride())
        .build();
  }

  static io.paramstream.proto.v1.RowInitializer toProto(RowInitializer initializer) {
    return io.paramstream.proto.v1.RowInitializer.newBuilder()
        .setKind(io.paramstream.proto.v1.RowInitializer.Kind.valueOf(initializer.kind().name()))
        .setScale(initializer.scale())
        .setSeed(initializer.seed())
        .build();
  }

  /** Validates and converts; IllegalArgumentException names the bad field. */
  static RowInitializer fromProto(io.paramstream.proto.v1.RowInitializer initializer) {
    RowInitializer.Kind kind =
        switch (initializer.getKind()) {
          case ZEROS -> RowInitializer.Kind.ZEROS;
          case UNIFORM -> RowInitializer.Kind.UNIFORM;
          case NORMAL -> RowInitializer.Kind.NORMAL;
          case UNRECOGNIZED ->
              throw new IllegalArgumentException(
                  "unknown initializer kind " + initializer.getKindValue());
        };
    return new RowInitializer(kind, initializer.getScale(), initializer.getSeed());
  }

  /** A uint32 dim as the store takes it, rejecting what no row can hold. */
  static int dim(String table, int unsignedDim) {
    long dim = Integer.toUnsignedLong(unsignedDim);
    if (dim == 0 || dim > GroupStore.MAX_GROUP_SIZE) {
      throw new IllegalArgumentException(
          "table '"
              + table
              + "' needs dim between 1 and "
              + GroupStore.MAX_GROUP_SIZE
              + ", got "
              + dim);
    }
    return (int) dim;
  }

  static RowSelection fromProto(RowSelector selector) {
    long[] ids = new long[selector.getIdsCount()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = selector.getIds(i);
    }
    long ifNewerThan = RowSelection.ANY_VERSION;
    if (selector.hasIfNewerThan()) {
      // A uint64 above Long.MAX_VALUE can never be exceeded either.
      ifNewerThan = selector.getIfNewerThan() < 0 ? Long.MAX_VALUE : selector.getIfNewerThan();
    }
    return new RowSelection(selector.getTable(), ids, ifNewerThan);
  }
}
