package io.paramstream.client.internal;

import io.paramstream.client.TableRows;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.RowSelector;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reassembles the RowChunks of one PullRows answer into one array per table, rows in the order the
 * request asked for them. Each table's chunks arrive in offset order, and each is decoded straight
 * into the final array.
 *
 * <p>Not thread-safe: one instance per call, fed from that call's responses.
 */
public final class RowAssembler {
  private final Map<String, long[]> requested = new LinkedHashMap<>();
  private final Map<String, Partial> partial = new HashMap<>();
  private final Map<String, TableRows> done = new LinkedHashMap<>();
  private final Set<String> notModified = new LinkedHashSet<>();

  private static final class Partial {
    long version;
    int dim;
    float[] values;
    int rowsFilled;
  }

  /** An assembler for the answer to {@code request}, whose tables must be distinct. */
  public RowAssembler(PullRowsRequest request) {
    for (RowSelector selector : request.getTablesList()) {
      long[] ids = selector.getIdsList().stream().mapToLong(Long::longValue).toArray();
      requested.put(selector.getTable(), ids);
    }
  }

  /** Consumes one chunk; a chunk that does not continue its table is a protocol violation. */
  public void accept(RowChunk chunk) {
    String table = chunk.getTable();
    long[] ids = requested.get(table);
    if (ids == null) {
      throw Errors.protocol("rows of table " + table + ", which was not asked for");
    }
    if (done.containsKey(table) || notModified.contains(table)) {
      throw Errors.protocol("more rows of table " + table + " after it was complete");
    }
    if (chunk.getNotModified()) {
      if (partial.containsKey(table)) {
        throw Errors.protocol("table " + table + " marked not modified after some of its rows");
      }
      notModified.add(table);
      return;
    }
    Partial p = partial.get(table);
    if (p == null) {
      if (chunk.getDim() == 0 || (long) ids.length * chunk.getDim() > Integer.MAX_VALUE - 8) {
        throw Errors.protocol("table " + table + ": bad dim " + chunk.getDim());
      }
      p = new Partial();
      p.version = chunk.getVersion();
      p.dim = chunk.getDim();
      p.values = new float[ids.length * p.dim];
      partial.put(table, p);
    } else if (chunk.getVersion() != p.version || chunk.getDim() != p.dim) {
      throw Errors.protocol("chunks of table " + table + " disagree on version or dim");
    }
    if (chunk.getOffset() != p.rowsFilled
        || p.rowsFilled + chunk.getIdsCount() > ids.length
        || chunk.getValues().size() != chunk.getIdsCount() * p.dim * FloatCodec.BYTES_PER_FLOAT) {
      throw Errors.protocol(
          "table "
              + table
              + ": chunk of "
              + chunk.getIdsCount()
              + " rows at offset "
              + chunk.getOffset()
              + " does not continue the "
              + p.rowsFilled
              + " rows received");
    }
    for (int i = 0; i < chunk.getIdsCount(); i++) {
      if (chunk.getIds(i) != ids[p.rowsFilled + i]) {
        throw Errors.protocol("table " + table + ": row " + (p.rowsFilled + i) + " has another id");
      }
    }
    FloatCodec.decodeInto(chunk.getValues(), p.values, p.rowsFilled * p.dim);
    p.rowsFilled += chunk.getIdsCount();
    if (p.rowsFilled == ids.length) {
      partial.remove(table);
      done.put(table, new TableRows(table, p.version, p.dim, ids.clone(), p.values));
    }
  }

  /**
   * The rows of every table that was sent, in request order; tables not newer than asked are in
   * {@link #notModified()} instead.
   *
   * @throws io.paramstream.client.ParamstreamException INTERNAL if a table is missing or incomplete
   */
  public Map<String, TableRows> finish() {
    for (Map.Entry<String, long[]> table : requested.entrySet()) {
      String name = table.getKey();
      if (!done.containsKey(name) && !notModified.contains(name)) {
        if (table.getValue().length == 0) {
          // Nothing to send for no ids; a server may send no chunk at all.
          done.put(name, new TableRows(name, 0, 0, new long[0], new float[0]));
          continue;
        }
        throw Errors.protocol(
            "the answer ended before the rows of table " + name + " were complete");
      }
    }
    Map<String, TableRows> ordered = new LinkedHashMap<>();
    for (String name : requested.keySet()) {
      if (done.containsKey(name)) {
        ordered.put(name, done.get(name));
      }
    }
    return ordered;
  }

  /** Tables that were not newer than the request's {@code if_newer_than}. */
  public Set<String> notModified() {
    return notModified;
  }
}
