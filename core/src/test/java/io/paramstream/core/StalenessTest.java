package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StalenessTest {

  private final GroupStore store = new GroupStore(new Hyperparameters(1.0, 0.0));

  private List<GroupGradient> grad(float v) {
    return List.of(new GroupGradient("w", new float[] {v}));
  }

  private float value() {
    return store.snapshot(List.of("w")).get("w")[0];
  }

  @Test
  void push_withinBound_appliesAtFullRate() {
    store.create("w", new float[] {0f}, false, null);
    store.push(grad(0f));
    store.push(grad(0f));
    StalePush push = store.push(grad(1f), 0, new StalenessPolicy(2, StalenessPolicy.Action.REJECT));
    assertThat(push.staleness()).isEqualTo(2);
    assertThat(push.lrScale()).isEqualTo(1.0);
    assertThat(push.versions()).containsExactly(new GroupVersion("w", 3));
    assertThat(value()).isEqualTo(-1f);
  }

  @Test
  void push_tooStaleUnderReject_failsPreconditionNamingStaleness() {
    store.create("w", new float[] {0f}, false, null);
    for (int i = 0; i < 5; i++) {
      store.push(grad(0f));
    }
    assertThatThrownBy(
            () -> store.push(grad(1f), 1, new StalenessPolicy(2, StalenessPolicy.Action.REJECT)))
        .isInstanceOf(ConsistencyException.class)
        .hasMessageContaining("4 versions stale")
        .hasMessageContaining("limit is 2");
    assertThat(value()).isEqualTo(0f);
  }

  @Test
  void push_tooStaleUnderScale_appliesWithDownScaledLr() {
    store.create("w", new float[] {0f}, false, null);
    for (int i = 0; i < 5; i++) {
      store.push(grad(0f));
    }
    StalePush push =
        store.push(grad(1f), 1, new StalenessPolicy(1, StalenessPolicy.Action.SCALE_LR));
    // staleness 4, S 1: lr * (1 + 1) / (4 + 1)
    assertThat(push.lrScale()).isEqualTo(0.4);
    assertThat(value()).isEqualTo(-0.4f);
  }

  @Test
  void push_baseAheadOfGroup_isInvalid() {
    store.create("w", new float[] {0f}, false, null);
    assertThatThrownBy(
            () -> store.push(grad(1f), 3, new StalenessPolicy(2, StalenessPolicy.Action.REJECT)))
        .hasMessageContaining("ahead of group 'w'");
  }

  @Test
  void histogram_recordsAppliedAndOverflow() {
    StalenessHistogram histogram = new StalenessHistogram();
    histogram.recordApplied(0);
    histogram.recordApplied(0);
    histogram.recordApplied(3);
    histogram.recordApplied(1000);
    histogram.recordRejected();
    assertThat(histogram.buckets())
        .containsExactly(
            new StalenessHistogram.Bucket(0, 2),
            new StalenessHistogram.Bucket(3, 1),
            new StalenessHistogram.Bucket(StalenessHistogram.OVERFLOW, 1));
    assertThat(histogram.rejected()).isEqualTo(1);
  }
}
