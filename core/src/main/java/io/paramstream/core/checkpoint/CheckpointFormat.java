package io.paramstream.core.checkpoint;

import io.paramstream.core.CheckpointSource;
import io.paramstream.core.GroupHeader;
import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.OptimizerSnapshot;
import io.paramstream.core.StoreState;
import io.paramstream.core.table.SparseTable;
import io.paramstream.core.table.TableCheckpoint;
import io.paramstream.core.table.TableHeader;
import io.paramstream.core.table.TableRowSink;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The checkpoint file layout, version 3 (version 2 when it holds no table). Big-endian throughout:
 *
 * <pre>
 *   header   "PSCK" | int format version (3, or 2) | int section count
 *   section  int tag | long payload length | payload       (repeated)
 *   trailer  int CRC32C of every byte before it | "KCSP"
 * </pre>
 *
 * Sections: {@link #GROUPS_WITH_OPTIMIZERS} (every group's name, decay flag, version,
 * hyperparameters, optimizer rule and step count, values, then its optimizer buffers) and {@link
 * #WORKER_SEQUENCES} (the de-duplication table), and in version 3 {@link #TABLES} between them: an
 * int table count, then each sparse table as {@link TableCheckpoint} encodes it (settings,
 * counters, every stored row with its id and optimizer buffers, its own checksum). Version 3 exists
 * so that a reader that knows no tables refuses such a file rather than skip the section and lose
 * the tables; a file without tables stays version 2, readable by older servers. Each group is
 * complete in one place so a writer can stream the groups one at a time without holding all of them
 * in memory; version 1 kept the optimizer buffers in a separate {@link #OPTIMIZERS} section after
 * all values, and is still read. A reader skips tags it does not know, so later additions can go in
 * new sections; a change old readers must not ignore bumps the format version instead.
 *
 * <p>Nothing is trusted before the checksum matches: {@link #read} checks the trailer over the
 * whole file before it parses a byte, so a torn or corrupted file is refused, never half-loaded.
 */
public final class CheckpointFormat {

  static final int MAGIC = 0x5053434b; // "PSCK"
  static final int END_MAGIC = 0x4b435350; // "KCSP"
  static final int VERSION = 3;
  static final int VERSION_2 = 2;
  static final int VERSION_1 = 1;
  static final int GROUPS = 1; // version 1
  static final int WORKER_SEQUENCES = 2;
  static final int OPTIMIZERS = 3; // version 1
  static final int GROUPS_WITH_OPTIMIZERS = 4;
  static final int TABLES = 5; // version 3

  private static final int FLOATS_PER_BLOCK = 16 * 1024;

  /** Bytes of a group entry besides its name and arrays. */
  private static final int GROUP_FIXED_BYTES = 1 + 8 + 16 + 4 + 4 + 8 + 8 + 1 + 8 + 8 + 8 + 8;

  private CheckpointFormat() {}

  /** Writes {@code state}; the caller owns and closes {@code out}. */
  public static void write(StoreState state, OutputStream out) throws IOException {
    write(CheckpointSource.of(state), out);
  }

  /**
   * Streams {@code source} out group by group, holding no more than one block of floats besides the
   * source's own arrays; the caller owns and closes {@code out}.
   */
  public static void write(CheckpointSource source, OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    DataOutputStream data =
        new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(out, 1 << 16), crc));
    List<GroupHeader> headers = source.groups();
    List<TableHeader> tables = source.tables();
    data.writeInt(MAGIC);
    data.writeInt(tables.isEmpty() ? VERSION_2 : VERSION);
    data.writeInt(tables.isEmpty() ? 2 : 3);

    data.writeInt(GROUPS_WITH_OPTIMIZERS);
    data.writeLong(groupsLength(headers));
    data.writeInt(headers.size());
    int[] written = new int[1];
    ByteBuffer block = ByteBuffer.allocate(FLOATS_PER_BLOCK * Float.BYTES);
    source.forEachGroup(
        (header, values, first, second) -> {
          writeGroup(data, block, header, values, first, second);
          written[0]++;
        });
    if (written[0] != headers.size()) {
      throw new IllegalStateException(
          "checkpoint source gave " + written[0] + " groups, announced " + headers.size());
    }

    if (!tables.isEmpty()) {
      writeTables(data, source, tables);
    }

    Map<String, Long> sequences = source.lastSequences();
    data.writeInt(WORKER_SEQUENCES);
    data.writeLong(sequencesLength(sequences));
    data.writeInt(sequences.size());
    for (Map.Entry<String, Long> entry : sequences.entrySet()) {
      writeString(data, entry.getKey());
      data.writeLong(entry.getValue());
    }

    data.flush();
    // The checksum covers everything above; the trailer itself is written past the checker.
    DataOutputStream trailer = new DataOutputStream(out);
    trailer.writeInt((int) crc.getValue());
    trailer.writeInt(END_MAGIC);
    trailer.flush();
  }

  private static void writeTables(
      DataOutputStream data, CheckpointSource source, List<TableHeader> tables) throws IOException {
    long length = 4;
    for (TableHeader table : tables) {
      length += TableCheckpoint.encodedLength(table);
    }
    data.writeInt(TABLES);
    data.writeLong(length);
    data.writeInt(tables.size());
    TableRowSink encoder = TableCheckpoint.writer(data);
    int[] written = new int[1];
    source.forEachTable(
        new TableRowSink() {
          @Override
          public void begin(TableHeader header) throws IOException {
            encoder.begin(header);
          }

          @Override
          public void rows(long[] ids, float[] values, float[] first, float[] second, int count)
              throws IOException {
            encoder.rows(ids, values, first, second, count);
          }

          @Override
          public void end() throws IOException {
            encoder.end();
            written[0]++;
          }
        });
    if (written[0] != tables.size()) {
      throw new IllegalStateException(
          "checkpoint source gave " + written[0] + " tables, announced " + tables.size());
    }
  }

  private static void writeGroup(
      DataOutputStream data,
      ByteBuffer block,
      GroupHeader header,
      float[] values,
      float[] first,
      float[] second)
      throws IOException {
    checkArray(header, "values", values, true);
    checkArray(header, "first moment", first, header.hasFirstMoment());
    checkArray(header, "second moment", second, header.hasSecondMoment());
    writeString(data, header.name());
    data.writeBoolean(header.weightDecay());
    data.writeLong(header.version());
    data.writeDouble(header.hyperparameters().learningRate());
    data.writeDouble(header.hyperparameters().weightDecay());
    data.writeInt(header.size());
    writeOptimizer(data, header.optimizer());
    data.writeLong(header.steps());
    writeFloats(data, block, values);
    if (first != null) {
      writeFloats(data, block, first);
    }
    if (second != null) {
      writeFloats(data, block, second);
    }
  }

  /** The announced length must hold, or the file would be refused at read time. */
  private static void checkArray(GroupHeader header, String what, float[] array, boolean present) {
    int length = array == null ? -1 : array.length;
    int expected = present ? header.size() : -1;
    if (length != expected) {
      throw new IllegalArgumentException(
          "group '"
              + header.name()
              + "' "
              + what
              + " has "
              + length
              + " elements, expected "
              + expected);
    }
  }

  private static long groupsLength(List<GroupHeader> headers) {
    long length = 4;
    for (GroupHeader header : headers) {
      length += stringLength(header.name()) + GROUP_FIXED_BYTES + header.arrayBytes();
    }
    return length;
  }

  /**
   * Reads a checkpoint written by {@link #write}.
   *
   * @param open opens the file from its start; called twice, once to verify, once to parse
   * @throws CorruptCheckpointException when the file is torn, corrupted or not a checkpoint
   */
  public static StoreState read(Opener open, long fileLength) throws IOException {
    verifyChecksum(open, fileLength);
    try (InputStream in = open.open()) {
      DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16));
      data.readInt(); // magic, checked above
      int version = data.readInt();
      if (version != VERSION && version != VERSION_2 && version != VERSION_1) {
        throw new CorruptCheckpointException("unsupported checkpoint format version " + version);
      }
      int sections = data.readInt();
      long remaining = fileLength - 12 - 8;
      List<GroupState> groups = null;
      List<SparseTable> tables = List.of();
      Map<String, Long> sequences = new LinkedHashMap<>();
      Map<String, OptimizerSnapshot> optimizers = new LinkedHashMap<>();
      for (int s = 0; s < sections; s++) {
        int tag = data.readInt();
        long length = data.readLong();
        remaining -= 12;
        if (length < 0 || length > remaining) {
          throw new CorruptCheckpointException("section " + tag + " overruns the file");
        }
        remaining -= length;
        switch (tag) {
          case GROUPS -> groups = readGroups(data, length);
          case GROUPS_WITH_OPTIMIZERS -> groups = readGroupsWithOptimizers(data, length);
          case WORKER_SEQUENCES -> sequences = readSequences(data, length);
          case TABLES -> tables = readTables(data, length);
          case OPTIMIZERS -> optimizers = readOptimizers(data, length);
          default -> data.skipNBytes(length); // a later addition this reader does not know
        }
      }
      if (groups == null) {
        throw new CorruptCheckpointException("checkpoint has no groups section");
      }
      if (remaining != 0) {
        throw new CorruptCheckpointException(remaining + " unexpected bytes after the sections");
      }
      List<GroupState> restored = new ArrayList<>(withOptimizers(groups, optimizers));
      restored.sort(Comparator.comparing(GroupState::name)); // a writer may stream in any order
      return new StoreState(restored, sequences, tables);
    } catch (EOFException e) {
      throw new CorruptCheckpointException("checkpoint ends early");
    } catch (IllegalArgumentException e) {
      throw new CorruptCheckpointException("checkpoint holds an invalid value: " + e.getMessage());
    }
  }

  /** Opens a checkpoint file from its first byte. */
  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  private static void verifyChecksum(Opener open, long fileLength) throws IOException {
    if (fileLength < 20) {
      throw new CorruptCheckpointException("file of " + fileLength + " bytes is too short");
    }
    CRC32C crc = new CRC32C();
    try (InputStream in = open.open()) {
      DataInputStream data =
          new DataInputStream(new CheckedInputStream(new BufferedInputStream(in, 1 << 16), crc));
      if (data.readInt() != MAGIC) {
        throw new CorruptCheckpointException("not a checkpoint (bad magic)");
      }
      data.skipNBytes(fileLength - 8 - 4);
      long computed = crc.getValue();
      int stored = data.readInt();
      int end = data.readInt();
      if (end != END_MAGIC) {
        throw new CorruptCheckpointException("trailer missing (torn write?)");
      }
      if ((int) computed != stored) {
        throw new CorruptCheckpointException(
            String.format("checksum mismatch: stored %08x, computed %08x", stored, (int) computed));
      }
    } catch (EOFException e) {
      throw new CorruptCheckpointException("checkpoint ends early");
    }
  }

  /** The start of a group entry, the same in both versions. */
  private record Described(
      String name, boolean weightDecay, long version, Hyperparameters hyperparameters, int size) {}

  private static Described readDescription(DataInputStream data) throws IOException {
    return new Described(
        readString(data),
        data.readBoolean(),
        data.readLong(),
        new Hyperparameters(data.readDouble(), data.readDouble()),
        data.readInt());
  }

  private static List<GroupState> readGroups(DataInputStream data, long length) throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / 37) {
      throw new CorruptCheckpointException("implausible group count " + count);
    }
    List<GroupState> groups = new ArrayList<>(count);
    long consumed = 4;
    for (int g = 0; g < count; g++) {
      Described d = readDescription(data);
      String name = d.name();
      int size = d.size();
      consumed += 4 + name.getBytes(StandardCharsets.UTF_8).length + 1 + 8 + 16 + 4;
      if (size < 0 || (long) size * Float.BYTES > length - consumed) {
        throw new CorruptCheckpointException("group '" + name + "' size " + size + " overruns");
      }
      float[] values = readFloats(data, size);
      consumed += (long) size * Float.BYTES;
      groups.add(new GroupState(name, d.weightDecay(), d.version(), d.hyperparameters(), values));
    }
    if (consumed != length) {
      throw new CorruptCheckpointException("groups section length does not match its content");
    }
    return groups;
  }

  private static List<GroupState> readGroupsWithOptimizers(DataInputStream data, long length)
      throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / (4 + GROUP_FIXED_BYTES)) {
      throw new CorruptCheckpointException("implausible group count " + count);
    }
    List<GroupState> groups = new ArrayList<>(count);
    long consumed = 4;
    for (int g = 0; g < count; g++) {
      Described d = readDescription(data);
      String name = d.name();
      int size = d.size();
      Optimizer optimizer = readOptimizer(data, name);
      long steps = data.readLong();
      GroupHeader header =
          new GroupHeader(
              name, d.weightDecay(), d.version(), d.hyperparameters(), size, optimizer, steps);
      consumed += stringLength(name) + GROUP_FIXED_BYTES;
      if (size < 0 || header.arrayBytes() > length - consumed) {
        throw new CorruptCheckpointException("group '" + name + "' size " + size + " overruns");
      }
      float[] values = readFloats(data, size);
      float[] first = header.hasFirstMoment() ? readFloats(data, size) : null;
      float[] second = header.hasSecondMoment() ? readFloats(data, size) : null;
      consumed += header.arrayBytes();
      groups.add(
          new GroupState(
              name,
              d.weightDecay(),
              d.version(),
              d.hyperparameters(),
              values,
              new OptimizerSnapshot(optimizer, steps, first, second)));
    }
    if (consumed != length) {
      throw new CorruptCheckpointException("groups section length does not match its content");
    }
    return groups;
  }

  /** Tables in file order, which is also their lock order when imported. */
  private static List<SparseTable> readTables(DataInputStream data, long length)
      throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / 150) {
      throw new CorruptCheckpointException("implausible table count " + count);
    }
    List<SparseTable> tables = new ArrayList<>(count);
    long consumed = 4;
    for (int t = 0; t < count; t++) {
      SparseTable table = TableCheckpoint.read(data, t);
      consumed += TableCheckpoint.encodedLength(TableCheckpoint.headerOf(table));
      if (consumed > length) {
        throw new CorruptCheckpointException("table '" + table.name() + "' overruns its section");
      }
      tables.add(table);
    }
    if (consumed != length) {
      throw new CorruptCheckpointException("tables section length does not match its content");
    }
    tables.sort(Comparator.comparing(SparseTable::name));
    return tables;
  }

  private static Map<String, Long> readSequences(DataInputStream data, long length)
      throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / 12) {
      throw new CorruptCheckpointException("implausible worker count " + count);
    }
    Map<String, Long> sequences = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      sequences.put(readString(data), data.readLong());
    }
    return sequences;
  }

  private static List<GroupState> withOptimizers(
      List<GroupState> groups, Map<String, OptimizerSnapshot> optimizers)
      throws CorruptCheckpointException {
    List<GroupState> result = new ArrayList<>(groups.size());
    for (GroupState group : groups) {
      OptimizerSnapshot snapshot = optimizers.remove(group.name());
      result.add(
          snapshot == null
              ? group
              : new GroupState(
                  group.name(),
                  group.weightDecay(),
                  group.version(),
                  group.hyperparameters(),
                  group.values(),
                  snapshot));
    }
    if (!optimizers.isEmpty()) {
      throw new CorruptCheckpointException(
          "optimizer state for unknown groups " + optimizers.keySet());
    }
    return result;
  }

  /**
   * An optimizer kind and its fixed parameters (45 bytes), as groups and sparse tables store them.
   */
  public static void writeOptimizer(DataOutputStream data, Optimizer optimizer) throws IOException {
    data.writeInt(optimizer.kind().ordinal());
    data.writeDouble(optimizer.momentum());
    data.writeDouble(optimizer.dampening());
    data.writeBoolean(optimizer.nesterov());
    data.writeDouble(optimizer.beta1());
    data.writeDouble(optimizer.beta2());
    data.writeDouble(optimizer.epsilon());
  }

  /**
   * Reads what {@link #writeOptimizer} wrote.
   *
   * @param group the owner's name, for the message of a refusal
   */
  public static Optimizer readOptimizer(DataInputStream data, String group) throws IOException {
    Optimizer.Kind[] kinds = Optimizer.Kind.values();
    int kind = data.readInt();
    if (kind < 0 || kind >= kinds.length) {
      throw new CorruptCheckpointException("group '" + group + "' has optimizer kind " + kind);
    }
    return new Optimizer(
        kinds[kind],
        data.readDouble(),
        data.readDouble(),
        data.readBoolean(),
        data.readDouble(),
        data.readDouble(),
        data.readDouble());
  }

  private static Map<String, OptimizerSnapshot> readOptimizers(DataInputStream data, long length)
      throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / 61) {
      throw new CorruptCheckpointException("implausible optimizer count " + count);
    }
    Map<String, OptimizerSnapshot> optimizers = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String name = readString(data);
      Optimizer optimizer = readOptimizer(data, name);
      long steps = data.readLong();
      float[] first = readOptionalFloats(data, length);
      float[] second = readOptionalFloats(data, length);
      optimizers.put(name, new OptimizerSnapshot(optimizer, steps, first, second));
    }
    return optimizers;
  }

  private static float[] readOptionalFloats(DataInputStream data, long sectionLength)
      throws IOException {
    int size = data.readInt();
    if (size == -1) {
      return null;
    }
    if (size < 0 || (long) size * Float.BYTES > sectionLength) {
      throw new CorruptCheckpointException("optimizer buffer of " + size + " elements overruns");
    }
    return readFloats(data, size);
  }

  private static long sequencesLength(Map<String, Long> sequences) {
    long length = 4;
    for (String worker : sequences.keySet()) {
      length += stringLength(worker) + 8;
    }
    return length;
  }

  private static int stringLength(String s) {
    return 4 + s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static void writeString(DataOutputStream data, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    data.writeInt(bytes.length);
    data.write(bytes);
  }

  private static String readString(DataInputStream data) throws IOException {
    int length = data.readInt();
    if (length < 0 || length > 64 * 1024) {
      throw new CorruptCheckpointException("implausible string length " + length);
    }
    return new String(data.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static void writeFloats(DataOutputStream data, ByteBuffer block, float[] values)
      throws IOException {
    for (int from = 0; from < values.length; from += FLOATS_PER_BLOCK) {
      int n = Math.min(FLOATS_PER_BLOCK, values.length - from);
      block.clear();
      block.asFloatBuffer().put(values, from, n);
      data.write(block.array(), 0, n * Float.BYTES);
    }
  }

  private static float[] readFloats(DataInputStream data, int size) throws IOException {
    float[] values = new float[size];
    byte[] block = new byte[FLOATS_PER_BLOCK * Float.BYTES];
    for (int from = 0; from < size; from += FLOATS_PER_BLOCK) {
      int n = Math.min(FLOATS_PER_BLOCK, size - from);
      data.readFully(block, 0, n * Float.BYTES);
      ByteBuffer.wrap(block, 0, n * Float.BYTES)
          .order(ByteOrder.BIG_ENDIAN)
          .asFloatBuffer()
          .get(values, from, n);
    }
    return values;
  }
}
