package io.paramstream.client.internal;

import io.paramstream.client.RowGradient;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RowSlice;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Splits one push into PushRequests whose payloads total at most {@code maxPayloadBytes} each:
 * every group becomes consecutive slices with offsets, then every table's rows become row slices (8
 * bytes of id and {@code 4 * dim} of values per row; a row is never split, so a row larger than the
 * budget travels alone). All messages but the last have {@code continued} set. Messages are encoded
 * lazily, one at a time, so a large push is not held twice in memory.
 */
public final class PushChunker implements Iterator<PushRequest> {
  /** The contract asks clients to keep pushed chunks at most 1 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

  private static final int BYTES_PER_ID = Long.BYTES;

  private final long pushId;
  private final String workerId;
  private final long sequence;
  private final int maxPayloadBytes;
  private final List<Map.Entry<String, float[]>> groups;
  private final List<RowGradient> rows;
  private int groupIndex;
  private int elementOffset;
  private int tableIndex;
  private int rowOffset;
  private boolean emittedAny;

  public PushChunker(long pushId, Map<String, float[]> gradients, int maxPayloadBytes) {
    this(pushId, gradients, List.of(), maxPayloadBytes, "", 0);
  }

  /**
   * A chunker whose messages carry {@code workerId} and {@code sequence} so the server applies the
   * push at most once; an empty worker id asks for no de-duplication.
   */
  public PushChunker(
      long pushId,
      Map<String, float[]> gradients,
      List<RowGradient> rows,
      int maxPayloadBytes,
      String workerId,
      long sequence) {
    if (maxPayloadBytes < FloatCodec.BYTES_PER_FLOAT) {
      throw new IllegalArgumentException("maxPayloadBytes too small: " + maxPayloadBytes);
    }
    this.pushId = pushId;
    this.workerId = workerId;
    this.sequence = sequence;
    this.maxPayloadBytes = maxPayloadBytes;
    this.groups = new ArrayList<>(gradients.entrySet());
    // Tables without rows carry nothing: leave them out rather than send empty slices.
    this.rows = rows.stream().filter(r -> r.ids().length > 0).toList();
  }

  @Override
  public boolean hasNext() {
    // An empty push still sends one (empty) message so that the server acknowledges it.
    return groupIndex < groups.size() || tableIndex < rows.size() || !emittedAny;
  }

  @Override
  public PushRequest next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    PushRequest.Builder message = PushRequest.newBuilder().setPushId(pushId);
    if (!workerId.isEmpty()) {
      message.setWorkerId(workerId).setSequence(sequence);
    }
    int budget = addGroupSlices(message, maxPayloadBytes);
    addRowSlices(message, budget);
    emittedAny = true;
    return message.setContinued(hasNext()).build();
  }

  /** Adds group slices within {@code budget} bytes; returns the bytes left. */
  private int addGroupSlices(PushRequest.Builder message, int budget) {
    int elementBudget = budget / FloatCodec.BYTES_PER_FLOAT;
    while (groupIndex < groups.size()) {
      Map.Entry<String, float[]> group = groups.get(groupIndex);
      float[] values = group.getValue();
      int remaining = values.length - elementOffset;
      if (remaining > 0 && elementBudget == 0) {
        return 0;
      }
      int n = Math.min(remaining, elementBudget);
      message.addGradients(
          GradientSlice.newBuilder()
              .setGroup(group.getKey())
              .setOffset(elementOffset)
              .setValues(FloatCodec.encode(values, elementOffset, n)));
      elementBudget -= n;
      elementOffset += n;
      if (elementOffset == values.length) {
        groupIndex++;
        elementOffset = 0;
      }
    }
    return elementBudget * FloatCodec.BYTES_PER_FLOAT;
  }

  private void addRowSlices(PushRequest.Builder message, int budget) {
    while (tableIndex < rows.size()) {
      RowGradient table = rows.get(tableIndex);
      int dim = table.dim();
      long rowBytes = BYTES_PER_ID + (long) dim * FloatCodec.BYTES_PER_FLOAT;
      int remaining = table.ids().length - rowOffset;
      int n = (int) Math.min(remaining, budget / rowBytes);
      if (n == 0) {
        boolean empty = message.getGradientsCount() == 0 && message.getRowsCount() == 0;
        if (!empty) {
          return;
        }
        n = 1;
      }
      RowSlice.Builder slice = RowSlice.newBuilder().setTable(table.table());
      for (int i = rowOffset; i < rowOffset + n; i++) {
        slice.addIds(table.ids()[i]);
      }
      slice.setValues(FloatCodec.encode(table.rows(), rowOffset * dim, n * dim));
      message.addRows(slice);
      budget -= (int) Math.min(budget, n * rowBytes);
      rowOffset += n;
      if (rowOffset == table.ids().length) {
        tableIndex++;
        rowOffset = 0;
      }
    }
  }
}
