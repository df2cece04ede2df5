package io.paramstream.core.checkpoint;

import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.OptimizerSnapshot;
import io.paramstream.core.StoreState;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The checkpoint file layout, version 1. Big-endian throughout:
 *
 * <pre>
 *   header   "PSCK" | int format version (1) | int section count
 *   section  int tag | long payload length | payload       (repeated)
 *   trailer  int CRC32C of every byte before it | "KCSP"
 * </pre>
 *
 * Sections: {@link #GROUPS} (every group's name, decay flag, version, hyperparameters, values),
 * {@link #WORKER_SEQUENCES} (the de-duplication table) and {@link #OPTIMIZERS} (the rule and state
 * of every group not on plain SGD; a group missing from it is plain SGD). A reader skips tags it
 * does not know, so later additions such as per-group optimizer state can go in new sections
 * without breaking old files; a change old readers must not ignore bumps the format version
 * instead.
 *
 * <p>Nothing is trusted before the checksum matches: {@link #read} checks the trailer over the
 * whole file before it parses a byte, so a torn or corrupted file is refused, never half-loaded.
 */
public final class CheckpointFormat {

  static final int MAGIC = 0x5053434b; // "PSCK"
  static final int END_MAGIC = 0x4b435350; // "KCSP"
  static final int VERSION = 1;
  static final int GROUPS = 1;
  static final int WORKER_SEQUENCES = 2;
  static final int OPTIMIZERS = 3;

  private static final int FLOATS_PER_BLOCK = 16 * 1024;

  private CheckpointFormat() {}

  /** Writes {@code state}; the caller owns and closes {@code out}. */
  public static void write(StoreState state, OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    DataOutputStream data =
        new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(out, 1 << 16), crc));
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeInt(3);

    data.writeInt(GROUPS);
    data.writeLong(groupsLength(state.groups()));
    data.writeInt(state.groups().size());
    for (GroupState group : state.groups()) {
      writeString(data, group.name());
      data.writeBoolean(group.weightDecay());
      data.writeLong(group.version());
      data.writeDouble(group.hyperparameters().learningRate());
      data.writeDouble(group.hyperparameters().weightDecay());
      data.writeInt(group.values().length);
      writeFloats(data, group.values());
    }

    data.writeInt(WORKER_SEQUENCES);
    data.writeLong(sequencesLength(state.lastSequences()));
    data.writeInt(state.lastSequences().size());
    for (Map.Entry<String, Long> entry : state.lastSequences().entrySet()) {
      writeString(data, entry.getKey());
      data.writeLong(entry.getValue());
    }

    List<GroupState> stateful =
        state.groups().stream().filter(g -> !g.optimizer().optimizer().isPlainSgd()).toList();
    data.writeInt(OPTIMIZERS);
    data.writeLong(optimizersLength(stateful));
    data.writeInt(stateful.size());
    for (GroupState group : stateful) {
      OptimizerSnapshot snapshot = group.optimizer();
      Optimizer optimizer = snapshot.optimizer();
      writeString(data, group.name());
      data.writeInt(optimizer.kind().ordinal());
      data.writeDouble(optimizer.momentum());
      data.writeDouble(optimizer.dampening());
      data.writeBoolean(optimizer.nesterov());
      data.writeDouble(optimizer.beta1());
      data.writeDouble(optimizer.beta2());
      data.writeDouble(optimizer.epsilon());
      data.writeLong(snapshot.steps());
      writeOptionalFloats(data, snapshot.firstMoment());
      writeOptionalFloats(data, snapshot.secondMoment());
    }

    data.flush();
    // The checksum covers everything above; the trailer itself is written past the checker.
    DataOutputStream trailer = new DataOutputStream(out);
    trailer.writeInt((int) crc.getValue());
    trailer.writeInt(END_MAGIC);
    trailer.flush();
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
      if (version != VERSION) {
        throw new CorruptCheckpointException("unsupported checkpoint format version " + version);
      }
      int sections = data.readInt();
      long remaining = fileLength - 12 - 8;
      List<GroupState> groups = null;
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
          case WORKER_SEQUENCES -> sequences = readSequences(data, length);
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
      return new StoreState(withOptimizers(groups, optimizers), sequences);
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

  private static List<GroupState> readGroups(DataInputStream data, long length) throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / 37) {
      throw new CorruptCheckpointException("implausible group count " + count);
    }
    List<GroupState> groups = new ArrayList<>(count);
    long consumed = 4;
    for (int g = 0; g < count; g++) {
      String name = readString(data);
      boolean weightDecay = data.readBoolean();
      long version = data.readLong();
      Hyperparameters hyperparameters = new Hyperparameters(data.readDouble(), data.readDouble());
      int size = data.readInt();
      consumed += 4 + name.getBytes(StandardCharsets.UTF_8).length + 1 + 8 + 16 + 4;
      if (size < 0 || (long) size * Float.BYTES > length - consumed) {
        throw new CorruptCheckpointException("group '" + name + "' size " + size + " overruns");
      }
      float[] values = readFloats(data, size);
      consumed += (long) size * Float.BYTES;
      groups.add(new GroupState(name, weightDecay, version, hyperparameters, values));
    }
    if (consumed != length) {
      throw new CorruptCheckpointException("groups section length does not match its content");
    }
    return groups;
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

  private static Map<String, OptimizerSnapshot> readOptimizers(DataInputStream data, long length)
      throws IOException {
    int count = data.readInt();
    if (count < 0 || count > length / 61) {
      throw new CorruptCheckpointException("implausible optimizer count " + count);
    }
    Map<String, OptimizerSnapshot> optimizers = new LinkedHashMap<>();
    Optimizer.Kind[] kinds = Optimizer.Kind.values();
    for (int i = 0; i < count; i++) {
      String name = readString(data);
      int kind = data.readInt();
      if (kind < 0 || kind >= kinds.length) {
        throw new CorruptCheckpointException("group '" + name + "' has optimizer kind " + kind);
      }
      Optimizer optimizer =
          new Optimizer(
              kinds[kind],
              data.readDouble(),
              data.readDouble(),
              data.readBoolean(),
              data.readDouble(),
              data.readDouble(),
              data.readDouble());
      long steps = data.readLong();
      float[] first = readOptionalFloats(data, length);
      float[] second = readOptionalFloats(data, length);
      optimizers.put(name, new OptimizerSnapshot(optimizer, steps, first, second));
    }
    return optimizers;
  }

  private static long optimizersLength(List<GroupState> groups) {
    long length = 4;
    for (GroupState group : groups) {
      OptimizerSnapshot snapshot = group.optimizer();
      length += stringLength(group.name()) + 4 + 8 + 8 + 1 + 8 + 8 + 8 + 8;
      length += 4 + (snapshot.firstMoment() == null ? 0 : 4L * snapshot.firstMoment().length);
      length += 4 + (snapshot.secondMoment() == null ? 0 : 4L * snapshot.secondMoment().length);
    }
    return length;
  }

  /** A length (-1 for none) and the floats. */
  private static void writeOptionalFloats(DataOutputStream data, float[] values)
      throws IOException {
    if (values == null) {
      data.writeInt(-1);
      return;
    }
    data.writeInt(values.length);
    writeFloats(data, values);
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

  private static long groupsLength(List<GroupState> groups) {
    long length = 4;
    for (GroupState group : groups) {
      length += stringLength(group.name()) + 1 + 8 + 16 + 4 + (long) group.values().length * 4;
    }
    return length;
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

  private static void writeFloats(DataOutputStream data, float[] values) throws IOException {
    ByteBuffer block =
        ByteBuffer.allocate(FLOATS_PER_BLOCK * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
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
