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
 * keeps row numbers, so a restored table updates exactly as the original would have. This is also
 * the payload of each table in a checkpoint file's tables section ({@code CheckpointFormat}), where
 * {@link TableCut} feeds {@link #writer} block by block. Big-endian:
 *
 * <pre>
 *   "PSTB" | int layout version (2) | byte kind (0 indexed, 1 keyed) | int name length | UTF-8 name
 *   int dim | boolean decay | double learning rate | double weight decay
 *   optimizer as CheckpointFormat.writeOptimizer: int kind | double momentum | double dampening
 *     | boolean nesterov | double beta1 | double beta2 | double epsilon
 *   long optimizer steps | long version
 *   byte initializer kind | double scale | long seed
 *   long rows (indexed) or row limit (keyed) | long id offset | long id stride   (offset, stride: 2)
 *   long stored rows
 *   per stored row, in row order: [long id, keyed only] | dim floats values
 *                                 | [dim floats first moment] | [dim floats second moment]
 *   int CRC32C of every byte before it | "BTSP"
 * </pre>
 *
 * Layout 1 (no id offset and stride: 0 and 1) is still read. {@link #read} builds a fresh table and
 * returns it only once the checksum matches.
 */
public final class TableCheckpoint {

  static final int MAGIC = 0x50535442; // "PSTB"
  static final int END_MAGIC = 0x42545350; // "BTSP"
  static final int LAYOUT_VERSION = 2;
  static final int LAYOUT_1 = 1;

  /** Bytes of a table's encoding besides its name and rows, trailer included. */
  private static final int FIXED_BYTES =
      4 + 4 + 1 + 4 + 4 + 1 + 8 + 8 + 45 + 8 + 8 + 1 + 8 + 8 + 8 + 8 + 8 + 8 + 8;

  private TableCheckpoint() {}

  /** Exactly the bytes {@link #writer} produces for a table with {@code header}. */
  public static long encodedLength(TableHeader header) {
    return FIXED_BYTES + header.name().getBytes(StandardCharsets.UTF_8).length + header.rowBytes();
  }

  /**
   * Writes {@code table} as it is now, holding its lock throughout (pushes to it wait); the caller
   * owns and closes {@code out}.
   */
  public static void write(SparseTable table, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    writeRows(table, writer(data));
    data.flush();
  }

  /** {@code table}'s header as it is now, as a checkpoint records it. */
  public static TableHeader headerOf(SparseTable table) {
    table.lock.lock();
    try {
      return table.header();
    } finally {
      table.lock.unlock();
    }
  }

  /**
   * Hands {@code sink} the whole of {@code table} as it is now, holding its lock throughout (pushes
   * to it wait).
   */
  public static void writeRows(SparseTable table, TableRowSink sink) throws IOException {
    table.lock.lock();
    try {
      TableHeader header = table.header();
      sink.begin(header);
      int perBlock = table.rowsPerBlock();
      long[] ids = header.keyed() ? new long[Math.min(perBlock, header.rows())] : null;
      for (int row0 = 0, b = 0; row0 < header.rows(); row0 += perBlock, b++) {
        table.writeBlock(b, Math.min(perBlock, header.rows() - row0), ids, sink);
      }
      sink.end();
    } finally {
      table.lock.unlock();
    }
  }

  /**
   * A sink that encodes tables one after another into {@code out}, each with its own checksum; the
   * caller flushes {@code out}. Fails if a table's rows do not add up to its header's count.
   */
  public static TableRowSink writer(DataOutputStream out) {
    return new Writer(out);
  }

  private static final class Writer implements TableRowSink {
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private DataOutputStream data;
    private TableHeader header;
    private ByteBuffer row;
    private long written;

    Writer(OutputStream out) {
      this.out = out;
    }

    @Override
    public void begin(TableHeader header) throws IOException {
      this.header = header;
      this.written = 0;
      this.row = ByteBuffer.allocate(Long.BYTES + header.arrays() * header.dim() * Float.BYTES);
      crc.reset();
      data = new DataOutputStream(new CheckedOutputStream(out, crc));
      data.writeInt(MAGIC);
      data.writeInt(LAYOUT_VERSION);
      data.writeByte(header.keyed() ? 1 : 0);
      byte[] name = header.name().getBytes(StandardCharsets.UTF_8);
      data.writeInt(name.length);
      data.write(name);
      data.writeInt(header.dim());
      data.writeBoolean(header.decay());
      data.writeDouble(header.hyperparameters().learningRate());
      data.writeDouble(header.hyperparameters().weightDecay());
      CheckpointFormat.writeOptimizer(data, header.optimizer());
      data.writeLong(header.steps());
      data.writeLong(header.version());
      RowInitializer init = header.initializer();
      data.writeByte(init.kind().ordinal());
      data.writeDouble(init.scale());
      data.writeLong(init.seed());
      data.writeLong(header.rowLimit());
      data.writeLong(header.idOffset());
      data.writeLong(header.idStride());
      data.writeLong(header.rows());
    }

    @Override
    public void rows(long[] ids, float[] values, float[] first, float[] second, int count)
        throws IOException {
      int dim = header.dim();
      for (int i = 0; i < count; i++) {
        row.clear();
        if (header.keyed()) {
          row.putLong(ids[i]);
        }
        putRow(values, i * dim, dim);
        putRow(first, i * dim, dim);
        putRow(second, i * dim, dim);
        data.write(row.array(), 0, row.position());
      }
      written += count;
    }

    private void putRow(float[] source, int offset, int dim) {
      if (source != null) {
        row.asFloatBuffer().put(source, offset, dim);
        row.position(row.position() + dim * Float.BYTES);
      }
    }

    @Override
    public void end() throws IOException {
      if (written != header.rows()) {
        throw new IllegalStateException(
            "table '" + header.name() + "' wrote " + written + " rows of " + header.rows());
      }
      data.flush();
      // The trailer goes past the checksum, which it does not cover.
      DataOutputStream trailer = new DataOutputStream(out);
      trailer.writeInt((int) crc.getValue());
      trailer.writeInt(END_MAGIC);
    }
  }

  /**
   * Reads one table written by {@link #write} or {@link #writer}, consuming exactly its bytes (so
   * tables can follow one another in a stream; the caller buffers {@code in}). The table is fresh,
   * owned by no store: add it with {@link TableStore#restore} or {@link TableStore#importTables}.
   *
   * @param order the lock order the table takes in its store, unique there
   * @throws CorruptCheckpointException on a bad magic, layout version, value or checksum
   */
  public static SparseTable read(InputStream in, long order) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
    SparseTable table;
    try {
      if (data.readInt() != MAGIC) {
        throw new CorruptCheckpointException("not a table checkpoint");
      }
      int layout = data.readInt();
      if (layout != LAYOUT_VERSION && layout != LAYOUT_1) {
        throw new CorruptCheckpointException("unknown table checkpoint layout " + layout);
      }
      table = readTable(data, order, layout);
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

  private static SparseTable readTable(DataInputStream data, long order, int layout)
      throws IOException {
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
    long idOffset = layout == LAYOUT_1 ? 0 : data.readLong();
    long idStride = layout == LAYOUT_1 ? 1 : data.readLong();
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
      table =
          new IndexedTable(
              order, name, (int) size, dim, decay, hp, optimizer, init, idOffset, idStride, false);
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
