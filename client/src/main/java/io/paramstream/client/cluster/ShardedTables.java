package io.paramstream.client.cluster;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowQuery;
import io.paramstream.client.TableInfo;
import io.paramstream.client.TableRows;
import io.paramstream.client.TableSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sparse-table half of {@link ShardedClient}: every table has a part on each shard (see {@link
 * TableRouting} for which rows), created, listed, pushed to and pulled from shard by shard.
 */
final class ShardedTables {

  /** Where each requested row of one table is: its shard, and its index among that shard's rows. */
  private record Route(TableLayout layout, int[] shardOf, int[] position) {}

  /** What a client needs to route a table's rows; fixed while the table exists. */
  record TableLayout(String name, boolean keyed, int dim, long rows, List<Integer> shards) {}

  private final ShardedClient cluster;
  private final int shardCount;
  // Table name -> layout, filled by listings.
  private final Map<String, TableLayout> layouts = new ConcurrentHashMap<>();

  ShardedTables(ShardedClient cluster, int shardCount) {
    this.cluster = cluster;
    this.shardCount = shardCount;
  }

  TableInfo create(TableSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.idOffset() != 0 || spec.idStride() != 1) {
      throw new IllegalArgumentException(
          "table " + spec.name() + ": the cluster client sets the id placement itself");
    }
    List<TableInfo> created = new ArrayList<>();
    List<Integer> holders = new ArrayList<>();
    try {
      for (int shard = 0; shard < shardCount; shard++) {
        TableSpec part = partOn(spec, shard);
        if (part == null) {
          continue;
        }
        created.add(cluster.onShard(shard, c -> c.createTable(part)));
        holders.add(shard);
      }
    } catch (ParamstreamException e) {
      for (int shard : holders) {
        try {
          cluster.clients().get(shard).deleteTables(spec.name());
        } catch (ParamstreamException ignored) {
          // Best effort: the failure being reported matters more.
        }
      }
      throw e;
    }
    layouts.put(
        spec.name(),
        new TableLayout(spec.name(), spec.keyed(), spec.dim(), spec.rows(), List.copyOf(holders)));
    return merge(created);
  }

  /** The spec of a table's part on one shard, or null if that shard holds none of its rows. */
  private TableSpec partOn(TableSpec spec, int shard) {
    if (spec.keyed()) {
      return spec;
    }
    long rows = TableRouting.indexedRowsOn(shard, spec.rows(), shardCount);
    if (rows == 0) {
      return null;
    }
    return spec.toBuilder().indexed(rows).idPlacement(shard, shardCount).build();
  }

  List<TableInfo> list(String... names) {
    Map<String, List<TableInfo>> parts = listParts();
    if (names.length == 0) {
      return parts.values().stream().map(ShardedTables::merge).toList();
    }
    List<TableInfo> result = new ArrayList<>();
    for (String name : names) {
      List<TableInfo> table = parts.get(Objects.requireNonNull(name, "table name"));
      if (table == null) {
        throw notFound(name);
      }
      result.add(merge(table));
    }
    return result;
  }

  void delete(String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one table to delete");
    }
    Map<Integer, List<String>> byShard = new TreeMap<>();
    for (String name : names) {
      for (int shard : resolve(name).shards()) {
        byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(name);
      }
    }
    Arrays.asList(names).forEach(layouts::remove);
    cluster.awaitAll(
        byShard,
        (shard, tables) ->
            cluster.supply(
                () -> {
                  cluster.onShard(
                      shard,
                      c -> {
                        c.deleteTables(tables.toArray(String[]::new));
                        return Boolean.TRUE;
                      });
                  return Boolean.TRUE;
                }));
  }

  /**
   * Cuts row gradients into per-shard ones with shard-local ids, after checking everything a shard
   * would reject (unknown table, wrong width, non-finite value, id outside an indexed table), so
   * that no shard applies its part of a push another shard would refuse.
   */
  Map<Integer, List<RowGradient>> split(List<RowGradient> rows) {
    Objects.requireNonNull(rows, "rows");
    Map<Integer, List<RowGradient>> perShard = new TreeMap<>();
    for (RowGradient gradient : rows) {
      Objects.requireNonNull(gradient, "row gradient");
      TableLayout layout = resolve(gradient.table());
      check(gradient, layout);
      long[] ids = gradient.ids();
      int[] shardOf = new int[ids.length];
      int[] counts = new int[shardCount];
      for (int i = 0; i < ids.length; i++) {
        shardOf[i] = shardOf(layout, ids[i]);
        counts[shardOf[i]]++;
      }
      int dim = layout.dim();
      long[][] shardIds = new long[shardCount][];
      float[][] shardRows = new float[shardCount][];
      int[] filled = new int[shardCount];
      for (int s = 0; s < shardCount; s++) {
        shardIds[s] = new long[counts[s]];
        shardRows[s] = new float[counts[s] * dim];
      }
      for (int i = 0; i < ids.length; i++) {
        int s = shardOf[i];
        shardIds[s][filled[s]] = localId(layout, ids[i]);
        System.arraycopy(gradient.rows(), i * dim, shardRows[s], filled[s] * dim, dim);
        filled[s]++;
      }
      for (int s = 0; s < shardCount; s++) {
        if (counts[s] > 0) {
          perShard
              .computeIfAbsent(s, k -> new ArrayList<>())
              .add(new RowGradient(gradient.table(), shardIds[s], shardRows[s]));
        }
      }
    }
    return perShard;
  }

  private void check(RowGradient gradient, TableLayout layout) {
    String table = gradient.table();
    if (gradient.rows().length != (long) gradient.ids().length * layout.dim()) {
      throw new ParamstreamException(
          ErrorCode.INVALID_ARGUMENT,
          "gradient of table "
              + table
              + " has "
              + gradient.rows().length
              + " values for "
              + gradient.ids().length
              + " rows; the table's rows have "
              + layout.dim());
    }
    for (int i = 0; i < gradient.rows().length; i++) {
      if (!Float.isFinite(gradient.rows()[i])) {
        throw new ParamstreamException(
            ErrorCode.INVALID_ARGUMENT,
            "gradient of table "
                + table
                + " has a non-finite value in the row of id "
                + gradient.ids()[i / layout.dim()]);
      }
    }
    if (!layout.keyed()) {
      for (long id : gradient.ids()) {
        checkIndexed(layout, id);
      }
    }
  }

  private static void checkIndexed(TableLayout layout, long id) {
    if (id < 0 || id >= layout.rows()) {
      throw new ParamstreamException(
          ErrorCode.INVALID_ARGUMENT,
          "row id " + id + " is outside table " + layout.name() + " of " + layout.rows() + " rows");
    }
  }

  /**
   * Reads rows from the shards that hold them, concurrently, and puts them back in request order.
   * Each shard's part is read at one instant of that shard; parts of different shards are not read
   * at one instant. A table's version is the largest of the versions its shards answered with.
   */
  Map<String, TableRows> pull(List<RowQuery> queries) {
    Objects.requireNonNull(queries, "queries");
    if (queries.isEmpty()) {
      throw new IllegalArgumentException("query at least one table");
    }
    Map<Integer, List<RowQuery>> perShard = new TreeMap<>();
    // Table -> the shard of each requested row, and its position among that shard's rows.
    Map<String, Route> routes = new LinkedHashMap<>();
    for (RowQuery query : queries) {
      Objects.requireNonNull(query, "query");
      if (query.ifNewerThan() != RowQuery.ALWAYS) {
        throw new IllegalArgumentException(
            "table " + query.table() + ": the cluster client reads rows unconditionally");
      }
      if (routes.containsKey(query.table())) {
        throw new IllegalArgumentException("table " + query.table() + " is queried twice");
      }
      TableLayout layout = resolve(query.table());
      long[] ids = query.ids();
      int[] shardOf = new int[ids.length];
      int[] position = new int[ids.length];
      int[] counts = new int[shardCount];
      for (int i = 0; i < ids.length; i++) {
        if (!layout.keyed()) {
          checkIndexed(layout, ids[i]);
        }
        shardOf[i] = shardOf(layout, ids[i]);
        position[i] = counts[shardOf[i]]++;
      }
      long[][] shardIds = new long[shardCount][];
      for (int s = 0; s < shardCount; s++) {
        shardIds[s] = new long[counts[s]];
      }
      for (int i = 0; i < ids.length; i++) {
        shardIds[shardOf[i]][position[i]] = localId(layout, ids[i]);
      }
      for (int s = 0; s < shardCount; s++) {
        if (counts[s] > 0) {
          perShard
              .computeIfAbsent(s, k -> new ArrayList<>())
              .add(RowQuery.of(query.table(), shardIds[s]));
        }
      }
      routes.put(query.table(), new Route(layout, shardOf, position));
    }
    Map<Integer, Map<String, TableRows>> parts =
        cluster.awaitAll(
            perShard,
            (shard, shardQueries) ->
                cluster.supply(() -> cluster.onShard(shard, c -> c.pullRows(shardQueries))));
    Map<String, TableRows> result = new LinkedHashMap<>();
    for (RowQuery query : queries) {
      Route route = routes.get(query.table());
      int dim = route.layout().dim();
      int[] shardOf = route.shardOf();
      int[] position = route.position();
      float[] values = new float[query.ids().length * dim];
      long version = 0;
      for (int i = 0; i < shardOf.length; i++) {
        TableRows part = parts.get(shardOf[i]).get(query.table());
        if (part == null || part.dim() != dim) {
          throw new ParamstreamException(
              ErrorCode.INTERNAL,
              cluster.shards().get(shardOf[i]) + " returned no or wrong rows of " + query.table());
        }
        System.arraycopy(part.values(), position[i] * dim, values, i * dim, dim);
        version = Math.max(version, part.version());
      }
      result.put(
          query.table(), new TableRows(query.table(), version, dim, query.ids().clone(), values));
    }
    return result;
  }

  private int shardOf(TableLayout layout, long id) {
    return layout.keyed()
        ? TableRouting.keyedShard(id, shardCount)
        : TableRouting.indexedShard(id, shardCount);
  }

  private long localId(TableLayout layout, long id) {
    return layout.keyed() ? id : TableRouting.indexedLocalId(id, shardCount);
  }

  /** Forgets cached layouts, after a shard said a table is gone. */
  void forget() {
    layouts.clear();
  }

  /** A table's layout, from the cache or else by listing every shard. */
  TableLayout resolve(String name) {
    Objects.requireNonNull(name, "table name");
    TableLayout layout = layouts.get(name);
    if (layout != null) {
      return layout;
    }
    List<TableInfo> parts = listParts().get(name);
    if (parts == null) {
      throw notFound(name);
    }
    // listParts() cached it unless its parts do not fit this cluster.
    layout = layouts.get(name);
    if (layout == null) {
      throw new ParamstreamException(
          ErrorCode.FAILED_PRECONDITION,
          "table "
              + name
              + " is not laid out for a cluster of "
              + shardCount
              + " shards (a part is missing, or it was created for another shard count)");
    }
    return layout;
  }

  /** Every table's parts, by name then shard; caches the layout of each that fits the cluster. */
  private Map<String, List<TableInfo>> listParts() {
    Map<Integer, Boolean> everyShard = new TreeMap<>();
    for (Shard shard : cluster.shards()) {
      everyShard.put(shard.index(), Boolean.TRUE);
    }
    Map<Integer, List<TableInfo>> listings =
        cluster.awaitAll(
            everyShard,
            (shard, ignored) -> cluster.supply(() -> cluster.onShard(shard, c -> c.listTables())));
    Map<String, List<TableInfo>> parts = new TreeMap<>();
    Map<String, List<Integer>> holders = new TreeMap<>();
    listings.forEach(
        (shard, tables) -> {
          for (TableInfo table : tables) {
            parts.computeIfAbsent(table.name(), n -> new ArrayList<>()).add(table);
            holders.computeIfAbsent(table.name(), n -> new ArrayList<>()).add(shard);
          }
        });
    parts.forEach(
        (name, tableParts) -> {
          TableLayout layout = layoutOf(name, tableParts, holders.get(name));
          if (layout != null) {
            layouts.put(name, layout);
          } else {
            layouts.remove(name);
          }
        });
    return parts;
  }

  /** The layout the parts describe, or null if they are not one table of this cluster. */
  private TableLayout layoutOf(String name, List<TableInfo> parts, List<Integer> shards) {
    TableInfo first = parts.get(0);
    if (first.keyed()) {
      return shards.size() == shardCount
          ? new TableLayout(name, true, first.dim(), 0, List.copyOf(shards))
          : null;
    }
    long total = parts.stream().mapToLong(TableInfo::maxRows).sum();
    for (int i = 0; i < parts.size(); i++) {
      TableInfo part = parts.get(i);
      int shard = shards.get(i);
      if (part.keyed()
          || part.idStride() != shardCount
          || part.idOffset() != shard
          || part.maxRows() != TableRouting.indexedRowsOn(shard, total, shardCount)) {
        return null;
      }
    }
    long expectedHolders = Math.min(total, shardCount);
    return shards.size() == expectedHolders
        ? new TableLayout(name, false, first.dim(), total, List.copyOf(shards))
        : null;
  }

  /**
   * One table's parts seen as one table: rows, row limit (indexed) and bytes summed, the largest
   * version, the metadata of the first part.
   */
  private static TableInfo merge(List<TableInfo> parts) {
    TableInfo first = parts.get(0);
    long rows = parts.stream().mapToLong(TableInfo::rows).sum();
    long maxRows =
        first.keyed() ? first.maxRows() : parts.stream().mapToLong(TableInfo::maxRows).sum();
    long version = parts.stream().mapToLong(TableInfo::version).max().orElse(0);
    long bytes = parts.stream().mapToLong(TableInfo::bytes).sum();
    return new TableInfo(
        first.name(),
        first.dim(),
        first.keyed(),
        rows,
        maxRows,
        first.weightDecay(),
        version,
        first.hyperparameters(),
        first.optimizer(),
        first.initializer(),
        bytes,
        0,
        1);
  }

  private static ParamstreamException notFound(String name) {
    return new ParamstreamException(
        ErrorCode.NOT_FOUND, "table " + name + " not found on any shard");
  }
}
