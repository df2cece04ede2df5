package io.paramstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.client.RowGradient;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RowSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PushChunkerTest {
  @Test
  void next_groupsLargerThanBudget_splitsIntoConsecutiveSlices() {
    Map<String, float[]> gradients = new LinkedHashMap<>();
    gradients.put("a", new float[] {1, 2, 3, 4, 5});
    gradients.put("b", new float[] {6, 7});

    List<PushRequest> messages = drain(new PushChunker(9, gradients, 12));

    // 3 elements per message: a[0..3) | a[3..5) b[0..1) | b[1..2)
    assertThat(messages).hasSize(3);
    assertThat(messages).allMatch(m -> m.getPushId() == 9);
    assertThat(messages).extracting(PushRequest::getContinued).containsExactly(true, true, false);
    assertThat(messages.get(1).getGradientsList())
        .extracting(s -> s.getGroup() + "@" + s.getOffset())
        .containsExactly("a@3", "b@0");
    assertThat(FloatCodec.decode(messages.get(2).getGradients(0).getValues())).containsExactly(7f);
  }

  @Test
  void next_emptyPush_sendsOneFinalMessage() {
    List<PushRequest> messages = drain(new PushChunker(1, Map.of(), 1 << 20));

    assertThat(messages).hasSize(1);
    assertThat(messages.get(0).getContinued()).isFalse();
  }

  @Test
  void next_rowsLargerThanBudget_splitsBetweenRowsAndKeepsIdsWithTheirValues() {
    // dim 2: a row costs 8 bytes of id + 8 of values; a 40-byte budget holds 2 rows.
    long[] ids = {10, 11, 12, 13, 14};
    float[] rows = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    Map<String, float[]> groups = new LinkedHashMap<>();
    groups.put("g", new float[] {42});

    List<PushRequest> messages =
        drain(new PushChunker(3, groups, List.of(new RowGradient("users", ids, rows)), 40, "", 0));

    // g (4 bytes) + 2 rows | 2 rows | 1 row
    assertThat(messages).hasSize(3);
    assertThat(messages).extracting(PushRequest::getContinued).containsExactly(true, true, false);
    assertThat(messages.get(0).getGradientsCount()).isEqualTo(1);
    List<Long> sentIds = new ArrayList<>();
    List<Float> sentValues = new ArrayList<>();
    for (PushRequest message : messages) {
      for (RowSlice slice : message.getRowsList()) {
        assertThat(slice.getTable()).isEqualTo("users");
        assertThat(slice.getValues().size()).isEqualTo(slice.getIdsCount() * 8);
        sentIds.addAll(slice.getIdsList());
        for (float v : FloatCodec.decode(slice.getValues())) {
          sentValues.add(v);
        }
      }
    }
    assertThat(sentIds).containsExactly(10L, 11L, 12L, 13L, 14L);
    assertThat(sentValues).containsExactly(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f);
  }

  @Test
  void next_rowWiderThanBudget_travelsAloneInItsOwnMessage() {
    RowGradient wide = new RowGradient("t", new long[] {1, 2}, new float[20]);

    List<PushRequest> messages = drain(new PushChunker(1, Map.of(), List.of(wide), 16, "", 0));

    assertThat(messages).hasSize(2);
    assertThat(messages).allMatch(m -> m.getRows(0).getIdsCount() == 1);
  }

  private static List<PushRequest> drain(PushChunker chunker) {
    List<PushRequest> messages = new ArrayList<>();
    chunker.forEachRemaining(messages::add);
    return messages;
  }
}
