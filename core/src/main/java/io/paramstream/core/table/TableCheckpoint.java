package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.checkpoint.CheckpointFormat;
import io.paramstream.core.checkpoint.CorruptCheckpointException;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * One table streamed to and from bytes, row by row: its settings, counters, every stored row with
 * its id and optimizer buffers. A round trip is bit-identical (floats travel as raw IEEE bits) and
 * keeps row numbers, so a restored table updates exactly as the original would have. Standalone for
 * now, not yet a section of {@code CheckpointFormat}; the layout is meant to become that section's
 * payload. Big-endian:
 *
 * <pre>
 *   "PSTB" | int layout version (1) | byte kind (0 indexed, 1 keyed) | int name length | UTF-8 name
 *   int dim | boolean decay | double learning rate | double weight decay
 *   optimizer as CheckpointFormat.writeOptimizer: int kind | double momentum | double dampening
 *     | boolean nesterov | double beta1 | double beta2 | double epsilon
 *   long optimizer steps | long version
 *   byte initializer kind | double scale | long seed
 *   long rows (indexed) or row limit (keyed) | long stored rows
 *   per stored row, in row order: [long id, keyed only] | dim floats values
 *                                 | [dim floats first moment] | [dim floats second moment]
 *   int CRC32C of every byte before it | "BTSP"
 * </pre>
 *
 * <p>Restore with {@link TableStore#restore}. {@link #write} holds the table's lock for the whole
 * write, so pushes to that table wait; a copy-on-write cut like the groups' {@code CheckpointCut}
 * is the next step. {@link #read} builds a fresh table and returns it only once the checksum
 * matches.
 */
public final class TableCheckpoint {

  static final int MAGIC = 0x50535442; // "PSTB"
  static final int END_MAGIC = 0x42545350; // "BTSP"
  static final int LAYOUT_VERSION = 1;

  private TableCheckpoint() {}

  /** Writes {@code table}; the caller owns and closes {@code out}. */
  public static void write(SparseTable table, OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    DataOutputStream data =
        new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(out, 1 << 16), crc));
    table.lock.lock();
    try {
      data.writeInt(MAGIC);
      data.writeInt(LAYOUT_VERSION);
      data.writeByte(table instanceof KeyedTable ? 1 : 0);
      byte[] name = table.name().getBytes(StandardCharsets.UTF_8);
      data.writeInt(name.length);
      data.write(name);
      data.writeInt(table.dim());
      data.writeBoolean(table.decay());
      Hyperparameters hp = table.hyperparameters();
      data.writeDouble(hp.learningRate());
      data.writeDouble(hp.weightDecay());
      CheckpointFormat.writeOptimizer(data, table.optimizer());
      data.writeLong(table.steps());
      data.writeLong(table.version());
      RowInitializer init = table.initializer();
      data.writeByte(init.kind().ordinal());
      data.writeDouble(init.scale());
      data.writeLong(init.seed());
      data.writeLong(table.rowLimit());
      int rows = table.storedRows();
      data.writeLong(rows);
      ByteBuffer row = ByteBuffer.allocate(table.dim() * Float.BYTES);
      for (int r = 0; r < rows; r++) {
        if (table instanceof KeyedTable) {
          data.writeLong(table.idOfRow(r));
        }
        writeRow(data, row, table.values, r);
        writeRow(data, row, table.first, r);
        writeRow(data, row, table.second, r);
      }
    } finally {
      table.lock.unlock();
    }
    data.flush();
    DataOutputStream trailer = new DataOutputStream(out);
    trailer.writeInt((int) crc.getValue());
    trailer.writeInt(END_MAGIC);
    trailer.flush();
  }

  private static void writeRow(DataOutputStream data, ByteBuffer row, RowBlocks blocks, int r)
      throws IOException {
    if (blocks == null) {
      return;
    }
    row.clear();
    row.asFloatBuffer().put(blocks.block(r), blocks.offset(r), row.capacity() / Float.BYTES);
    data.write(row.array());
  }

  /**
   * Reads one table written by {@link #write}, consuming exactly its bytes (so tables can follow
   * one another in a stream; the caller buffers {@code in}). Callers go through {@link
   * TableStore#restore}, which gives the table its place in the store's lock order.
   *
   * @param order the lock order the table takes in its store, unique there
   * @throws CorruptCheckpointException on a bad magic, layout version, value or checksum
   */
  static SparseTable read(InputStream in, long order) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
    SparseTable table;
    try {
      if (data.readInt() != MAGIC) {
        throw new CorruptCheckpointException("not a table checkpoint");
      }
      int layout = data.readInt();
      if (layout != LAYOUT_VERSION) {
        throw new CorruptCheckpointException("unknown table checkpoint layout " + layout);
      }
      table = readTable(data, order);
    } catch (IllegalArgumentException e) {
      throw new CorruptCheckpointException("table checkpoint holds a bad value: " + e.getMessage());
    }
    int expected = (int) crc.getValue();
    // The trailer is read past the checksum, which it does not cover.
    int actual = data.readInt();
    if (actual != expected || data.readInt() != END_MAGIC) {
      throw new CorruptCheckpointException(
          "table '" + table.name() + "' checkpoint fails its checksum");
    }
    return table;
  }

  private static SparseTable readTable(DataInputStream data, long order) throws IOException {
    boolean keyed = readKind(data, 2) == 1;
    int nameLength = data.readInt();
    if (nameLength < 0 || nameLength > 64 * 1024) {
      throw new CorruptCheckpointException("implausible table name length " + nameLength);
    }
    String name = new String(data.readNBytes(nameLength), StandardCharsets.UTF_8);
    int dim = data.readInt();
    boolean decay = data.readBoolean();
    Hyperparameters hp = new Hyperparameters(data.readDouble(), data.readDouble());
    Optimizer optimizer = CheckpointFormat.readOptimizer(data, name);
    long steps = data.readLong();
    long version = data.readLong();
    RowInitializer init =
        new RowInitializer(
            RowInitializer.Kind.values()[readKind(data, RowInitializer.Kind.values().length)],
            data.readDouble(),
            data.readLong());
    long size = data.readLong();
    long rows = data.readLong();
    SparseTable table;
    if (keyed) {
      table = new KeyedTable(order, name, dim, decay, hp, optimizer, init, size);
      if (rows < 0 || rows > ((KeyedTable) table).maxRows()) {
        throw new CorruptCheckpointException("table '" + name + "' has " + rows + " rows");
      }
    } else {
      if (size < 0 || size > Integer.MAX_VALUE || rows != size) {
        throw new CorruptCheckpointException("table '" + name + "' has " + rows + " rows");
      }
      table = new IndexedTable(order, name, (int) size, dim, decay, hp, optimizer, init, 0, 1);
    }
    byte[] row = new byte[dim * Float.BYTES];
    table.lock.lock();
    try {
      table.restoreCounters(version, steps);
      for (int i = 0; i < rows; i++) {
        int r = keyed ? ((KeyedTable) table).restoreRow(data.readLong()) : i;
        readRow(data, row, table.values, r);
        readRow(data, row, table.first, r);
        readRow(data, row, table.second, r);
      }
    } finally {
      table.lock.unlock();
    }
    return table;
  }

  private static int readKind(DataInputStream data, int kinds) throws IOException {
    int kind = data.readByte();
    if (kind < 0 || kind >= kinds) {
      throw new CorruptCheckpointException("unknown kind " + kind + " in a table checkpoint");
    }
    return kind;
  }

  private static void readRow(DataInputStream data, byte[] row, RowBlocks blocks, int r)
      throws IOException {
    if (blocks == null) {
      return;
    }
    data.readFully(row);
    ByteBuffer.wrap(row).asFloatBuffer().get(blocks.block(r), blocks.offset(r), row.length / 4);
  }
}
