package io.paramstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.proto.v1.PushRequest;
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

  private static List<PushRequest> drain(PushChunker chunker) {
    List<PushRequest> messages = new ArrayList<>();
    chunker.forEachRemaining(messages::add);
    return messages;
  }
}
