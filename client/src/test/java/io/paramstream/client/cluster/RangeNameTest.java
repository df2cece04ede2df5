package io.paramstream.client.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RangeNameTest {

  @Test
  void parse_storedName_roundTrips() {
    RangeName range = new RangeName("emb#1", 100, 250, 400);
    assertThat(range.storedName()).isEqualTo("emb#1#range:100-250/400");
    assertThat(RangeName.parse(range.storedName())).contains(range);
  }

  @Test
  void parse_plainOrMalformedName_isEmpty() {
    assertThat(RangeName.parse("layer.0.weight")).isEmpty();
    assertThat(RangeName.parse("x#range:5-3/9")).isEmpty();
    assertThat(RangeName.parse("x#range:0-99999999999/99999999999")).isEmpty();
  }

  @Test
  void constructor_rangeOutsideGroup_rejected() {
    assertThatThrownBy(() -> new RangeName("g", 0, 11, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
