package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StagingBuffersTest {

  @Test
  void take_afterGive_sameGroupAndSize_reusesArray() {
    StagingBuffers buffers = new StagingBuffers();
    float[] first = buffers.take("w", 8);
    buffers.give("w", first);
    assertThat(buffers.take("w", 8)).isSameAs(first);
    assertThat(buffers.retainedFloats()).isZero();
  }

  @Test
  void take_sizeChanged_returnsFreshArrayOfNewSize() {
    StagingBuffers buffers = new StagingBuffers();
    float[] first = buffers.take("w", 8);
    buffers.give("w", first);
    float[] second = buffers.take("w", 16);
    assertThat(second).isNotSameAs(first).hasSize(16);
    assertThat(buffers.retainedFloats()).isZero();
  }

  @Test
  void give_overCap_isNotRetained() {
    StagingBuffers buffers = new StagingBuffers();
    int big = (int) StagingBuffers.MAX_RETAINED_FLOATS;
    buffers.give("a", new float[big]);
    buffers.give("b", new float[1]);
    assertThat(buffers.retainedFloats()).isEqualTo(big);
    assertThat(buffers.take("b", 1)).hasSize(1);
    assertThat(buffers.retainedFloats()).isEqualTo(big);
  }
}
