package io.paramstream.server;

import io.paramstream.proto.v1.CreateTableRequest;
import io.paramstream.proto.v1.Hyperparameters;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.RowSelector;
import io.paramstream.proto.v1.RowSlice;
import io.paramstream.proto.v1.TableInfo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Test helpers for sparse tables that speak the protocol with the generated stubs only. */
final class TableWire {

  private TableWire() {}

  /** Learning rate 1, no decay: a pushed gradient g moves a row by exactly -g. */
  static final Hyperparameters LR_ONE =
      Hyperparameters.newBuilder().setLearningRate(1).setWeightDecay(0).build();

  static CreateTableRequest.Builder indexed(String name, long rows, int dim) {
    return CreateTableRequest.newBuilder()
        .setName(name)
        .setRows(rows)
        .setDim(dim)
        .setHyperparameters(LR_ONE);
  }

  static CreateTableRequest.Builder keyed(String name, long maxRows, int dim) {
    return indexed(name, maxRows, dim).setKeyed(true);
  }

  static RowSlice rows(String table, long[] ids, float... values) {
    RowSlice.Builder slice = RowSlice.newBuilder().setTable(table).setValues(Wire.bytes(values));
    for (long id : ids) {
      slice.addIds(id);
    }
    return slice.build();
  }

  static PushRequest push(long id, RowSlice... slices) {
    return PushRequest.newBuilder().setPushId(id).addAllRows(List.of(slices)).build();
  }

  static RowSelector select(String table, long... ids) {
    RowSelector.Builder selector = RowSelector.newBuilder().setTable(table);
    for (long id : ids) {
      selector.addIds(id);
    }
    return selector.build();
  }

  /** Every chunk of one PullRows answer. */
  static List<RowChunk> pull(
      ParameterServerGrpc.ParameterServerBlockingStub stub, RowSelector... selectors) {
    Iterator<RowChunk> chunks =
        stub.pullRows(PullRowsRequest.newBuilder().addAllTables(List.of(selectors)).build());
    List<RowChunk> all = new ArrayList<>();
    chunks.forEachRemaining(all::add);
    return all;
  }

  /** The rows of one table, concatenated in request order. */
  static float[] pullValues(
      ParameterServerGrpc.ParameterServerBlockingStub stub, String table, long... ids) {
    List<Float> values = new ArrayList<>();
    for (RowChunk chunk : pull(stub, select(table, ids))) {
      for (float value : Wire.floats(chunk.getValues())) {
        values.add(value);
      }
    }
    float[] result = new float[values.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = values.get(i);
    }
    return result;
  }

  static TableInfo info(ParameterServerGrpc.ParameterServerBlockingStub stub, String table) {
    return stub.listTables(
            io.paramstream.proto.v1.ListTablesRequest.newBuilder().addNames(table).build())
        .getTables(0);
  }

  static float[] filled(int count, float value) {
    float[] values = new float[count];
    java.util.Arrays.fill(values, value);
    return values;
  }
}
