package io.paramstream.client.internal;

import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.PushRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Splits one push into PushRequests whose gradient payloads total at most {@code maxPayloadBytes}
 * each: every group becomes consecutive slices with offsets; all messages but the last have {@code
 * continued} set. Messages are encoded lazily, one at a time, so a large push is not held twice in
 * memory.
 */
public final class PushChunker implements Iterator<PushRequest> {
  /** The contract asks clients to keep pushed chunks at most 1 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

  private final long pushId;
  private final String workerId;
  private final long sequence;
  private final int maxElementsPerMessage;
  private final List<Map.Entry<String, float[]>> groups;
  private int groupIndex;
  private int elementOffset;
  private boolean emittedAny;

  public PushChunker(long pushId, Map<String, float[]> gradients, int maxPayloadBytes) {
    this(pushId, gradients, maxPayloadBytes, "", 0);
  }

  /**
   * A chunker whose messages carry {@code workerId} and {@code sequence} so the server applies the
   * push at most once; an empty worker id asks for no de-duplication.
   */
  public PushChunker(
      long pushId,
      Map<String, float[]> gradients,
      int maxPayloadBytes,
      String workerId,
      long sequence) {
    this.workerId = workerId;
    this.sequence = sequence;
    if (maxPayloadBytes < FloatCodec.BYTES_PER_FLOAT) {
      throw new IllegalArgumentException("maxPayloadBytes too small: " + maxPayloadBytes);
    }
    this.pushId = pushId;
    this.maxElementsPerMessage = maxPayloadBytes / FloatCodec.BYTES_PER_FLOAT;
    this.groups = new ArrayList<>(gradients.entrySet());
  }

  @Override
  public boolean hasNext() {
    // An empty push still sends one (empty) message so that the server acknowledges it.
    return groupIndex < groups.size() || !emittedAny;
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
    int budget = maxElementsPerMessage;
    while (groupIndex < groups.size()) {
      Map.Entry<String, float[]> group = groups.get(groupIndex);
      float[] values = group.getValue();
      int remaining = values.length - elementOffset;
      if (remaining > 0 && budget == 0) {
        break;
      }
      int n = Math.min(remaining, budget);
      message.addGradients(
          GradientSlice.newBuilder()
              .setGroup(group.getKey())
              .setOffset(elementOffset)
              .setValues(FloatCodec.encode(values, elementOffset, n)));
      budget -= n;
      elementOffset += n;
      if (elementOffset == values.length) {
        groupIndex++;
        elementOffset = 0;
      }
    }
    emittedAny = true;
    return message.setContinued(hasNext()).build();
  }
}
