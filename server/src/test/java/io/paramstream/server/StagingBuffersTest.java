package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StagingBuffersTest {

  @Test
  void take_afterGive_sameSize_reusesArray() {
    StagingBuffers buffers = new StagingBuffers();
    float[] first = buffers.take(8);
    buffers.give(first);
    assertThat(buffers.take(8)).isSameAs(first);
    assertThat(buffers.retainedFloats()).isZero();
  }

  @Test
  void take_otherSize_returnsFreshArrayAndKeepsTheSpare() {
    StagingBuffers buffers = new StagingBuffers();
    float[] first = buffers.take(8);
    buffers.give(first);
    float[] second = buffers.take(16);
    assertThat(second).isNotSameAs(first).hasSize(16);
    assertThat(buffers.retainedFloats()).isEqualTo(8);
  }

  @Test
  void groupsPushedInTurn_withTheSameSize_shareOneArray() {
    // One push per group, groups in turn: keyed by group, every push would allocate.
    StagingBuffers buffers = new StagingBuffers();
    float[] first = buffers.take(1024);
    buffers.give(first);
    for (int push = 0; push < 10; push++) {
      float[] array = buffers.take(1024);
      assertThat(array).isSameAs(first);
      buffers.give(array);
    }
    assertThat(buffers.retainedFloats()).isEqualTo(1024);
  }

  @Test
  void aPushOfSeveralEqualGroups_getsDistinctArrays() {
    StagingBuffers buffers = new StagingBuffers();
    float[] a = buffers.take(4);
    float[] b = buffers.take(4);
    buffers.give(a);
    buffers.give(b);
    float[] again1 = buffers.take(4);
    float[] again2 = buffers.take(4);
    assertThat(again1).isNotSameAs(again2);
    assertThat(buffers.take(4)).isNotSameAs(a).isNotSameAs(b);
  }

  @Test
  void give_overCap_isNotRetained() {
    StagingBuffers buffers = new StagingBuffers();
    int big = (int) StagingBuffers.MAX_RETAINED_FLOATS;
    buffers.give(new float[big]);
    float[] small = new float[1];
    buffers.give(small);
    assertThat(buffers.retainedFloats()).isEqualTo(big);
    assertThat(buffers.take(1)).isNotSameAs(small);
    assertThat(buffers.retainedFloats()).isEqualTo(big);
  }
}
