package io.paramstream.server;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.core.table.KeyedTable;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableMetadata;
import io.paramstream.core.table.TableRows;
import io.paramstream.core.table.TableSpec;
import io.paramstream.proto.v1.CreateTableRequest;
import io.paramstream.proto.v1.CreateTableResponse;
import io.paramstream.proto.v1.DeleteTablesRequest;
import io.paramstream.proto.v1.DeleteTablesResponse;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.ListTablesResponse;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.RowChunk;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sparse-table RPCs of the ParameterServer service (row pushes travel in Push): converts, calls
 * the {@link GroupStore}, maps failures with {@link StatusMapper}. {@link ParameterServerService}
 * delegates to it.
 */
final class TableService {

  private static final Logger log = LoggerFactory.getLogger(TableService.class);

  private final GroupStore store;
  private final int maxChunkBytes;
  private final TransientMemoryBudget budget;
  private final ServerMetrics metrics;

  TableService(
      GroupStore store, int maxChunkBytes, TransientMemoryBudget budget, ServerMetrics metrics) {
    this.store = store;
    this.maxChunkBytes = maxChunkBytes;
    this.budget = budget;
    this.metrics = metrics;
  }

  void createTable(CreateTableRequest request, StreamObserver<CreateTableResponse> observer) {
    try {
      TableMetadata table = create(request);
      log.info(
          "table {} created: {}, {} floats a row, {}, lr {}, weight decay {}",
          table.name(),
          table.keyed()
              ? "keyed, "
                  + (table.maxRows() >= KeyedTable.MAX_ROWS
                      ? "no row limit"
                      : "up to " + table.maxRows() + " rows")
              : "indexed, " + table.rows() + " rows",
          table.dim(),
          table.optimizer().kind().name().toLowerCase(Locale.ROOT),
          table.hyperparameters().learningRate(),
          table.decay() ? "on" : "off");
      reply(
          observer,
          CreateTableResponse.newBuilder().setTable(TableConverters.toProto(table)).build());
    } catch (RuntimeException e) {
      observer.onError(StatusMapper.toException(e));
    }
  }

  private TableMetadata create(CreateTableRequest request) {
    String name = request.getName();
    int dim = TableConverters.dim(name, request.getDim());
    Hyperparameters hyperparameters =
        Converters.fromProto(request.getHyperparameters(), store.defaultHyperparameters());
    Optimizer optimizer =
        request.hasOptimizer() ? Converters.fromProto(request.getOptimizer()) : Optimizer.sgd();
    RowInitializer initializer =
        request.hasInitializer()
            ? TableConverters.fromProto(request.getInitializer())
            : RowInitializer.zeros();
    TableSpec spec =
        new TableSpec(name, dim, request.getWeightDecay(), hyperparameters, optimizer, initializer);
    if (request.getKeyed()) {
      if (request.getIdOffset() != 0 || request.getIdStride() > 1) {
        throw new IllegalArgumentException(
            "table '"
                + name
                + "': id_offset and id_stride apply to indexed tables only (keyed rows start from"
                + " their own ids)");
      }
      // 0 (and anything past what a keyed table can address) means no limit of its own.
      long maxRows = request.getRows() <= 0 ? KeyedTable.MAX_ROWS : request.getRows();
      return store.tables().createKeyed(spec, maxRows);
    }
    long stride = request.getIdStride() == 0 ? 1 : request.getIdStride();
    return store.tables().createIndexed(spec, request.getRows(), request.getIdOffset(), stride);
  }

  void listTables(ListTablesRequest request, StreamObserver<ListTablesResponse> observer) {
    try {
      ListTablesResponse.Builder response = ListTablesResponse.newBuilder();
      store
          .tables()
          .list(request.getNamesList())
          .forEach(t -> response.addTables(TableConverters.toProto(t)));
      reply(observer, response.build());
    } catch (RuntimeException e) {
      observer.onError(StatusMapper.toException(e));
    }
  }

  void deleteTables(DeleteTablesRequest request, StreamObserver<DeleteTablesResponse> observer) {
    try {
      store.tables().delete(request.getNamesList());
      for (String name : request.getNamesList()) {
        metrics.tableDeleted(name);
        log.info("table {} deleted", name);
      }
      reply(observer, DeleteTablesResponse.getDefaultInstance());
    } catch (RuntimeException e) {
      observer.onError(StatusMapper.toException(e));
    }
  }

  /**
   * Reads every requested table at one instant, then streams the rows as the call is ready for
   * them. The floats read are held in the readers' half of the transient budget until the answer is
   * written or the call ends; a read that does not fit now fails with RESOURCE_EXHAUSTED.
   */
  void pullRows(PullRowsRequest request, StreamObserver<RowChunk> observer) {
    ServerCallStreamObserver<RowChunk> call = (ServerCallStreamObserver<RowChunk>) observer;
    metrics.pulled();
    long[] reserved = {0};
    RowChunks chunks;
    try {
      if (request.getTablesCount() == 0) {
        throw new IllegalArgumentException("name at least one table to pull rows of");
      }
      List<RowSelection> selections =
          request.getTablesList().stream().map(TableConverters::fromProto).toList();
      long bytes = 0;
      for (RowSelection selection : selections) {
        bytes +=
            (long) selection.ids().length * store.tables().dim(selection.table()) * Float.BYTES;
      }
      String what = "pull of " + bytes / Float.BYTES + " floats of table rows";
      if (!budget.canEverFit(bytes, TransientMemoryBudget.Use.READ)
          || !budget.tryReserve(bytes, TransientMemoryBudget.Use.READ)) {
        throw budget.exhausted(what, bytes);
      }
      reserved[0] = bytes;
      List<TableRows> rows = store.tables().read(selections);
      chunks = new RowChunks(rows, maxChunkBytes);
    } catch (RuntimeException e) {
      budget.release(reserved[0], TransientMemoryBudget.Use.READ);
      call.onError(StatusMapper.toException(e));
      return;
    }
    // A call's callbacks are serialized, so the flag and the release need no lock.
    boolean[] finished = {false};
    Runnable release =
        () -> {
          if (!finished[0]) {
            finished[0] = true;
            budget.release(reserved[0], TransientMemoryBudget.Use.READ);
          }
        };
    Runnable send =
        () -> {
          if (finished[0]) {
            return;
          }
          while (chunks.hasNext()) {
            if (!call.isReady() || call.isCancelled()) {
              return;
            }
            call.onNext(chunks.next());
          }
          release.run();
          call.onCompleted();
        };
    call.setOnCancelHandler(release);
    call.setOnReadyHandler(send);
    send.run();
  }

  private static <T> void reply(StreamObserver<T> observer, T response) {
    observer.onNext(response);
    observer.onCompleted();
  }
}
