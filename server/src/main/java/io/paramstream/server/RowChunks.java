package io.paramstream.server;

import io.paramstream.core.table.TableRows;
import io.paramstream.proto.v1.RowChunk;
import java.util.List;

/**
 * A PullRows answer cut into RowChunks of at most {@code maxChunkBytes} of values each (at least
 * one row per chunk), tables in request order, each table's rows in the order of its ids. A chunk
 * is encoded only when asked for, so an answer waiting on a slow reader holds its floats, never
 * their encoded copies. A table not newer than the reader's version is one {@code not_modified}
 * chunk; a table asked for no ids is one empty chunk, so the reader still learns its version. Not
 * thread-safe.
 */
final class RowChunks {

  private final List<TableRows> tables;
  private final int maxChunkBytes;
  private int table;
  private int row;

  RowChunks(List<TableRows> tables, int maxChunkBytes) {
    this.tables = tables;
    this.maxChunkBytes = maxChunkBytes;
  }

  boolean hasNext() {
    return table < tables.size();
  }

  RowChunk next() {
    TableRows rows = tables.get(table);
    RowChunk.Builder chunk =
        RowChunk.newBuilder()
            .setTable(rows.table())
            .setVersion(rows.version())
            .setDim(rows.dim())
            .setOffset(row);
    if (rows.notModified()) {
      table++;
      return chunk.setNotModified(true).build();
    }
    int rowBytes = rows.dim() * Float.BYTES;
    int count = Math.min(rows.ids().length - row, Math.max(1, maxChunkBytes / rowBytes));
    for (int i = 0; i < count; i++) {
      chunk.addIds(rows.ids()[row + i]);
    }
    byte[] payload = new byte[count * rowBytes];
    Payloads.encodeInto(rows.values(), row * rows.dim(), count * rows.dim(), payload);
    chunk.setValues(Payloads.wrap(payload, 0, payload.length));
    row += count;
    if (row == rows.ids().length) {
      table++;
      row = 0;
    }
    return chunk.build();
  }
}
