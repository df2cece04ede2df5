package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.core.GroupStoreException;
import io.paramstream.core.TransientMemoryBudget;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StagingBuffersTest {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final TransientMemoryBudget transientBudget = new TransientMemoryBudget(1 << 20);
  private final WriteBudget budget = new WriteBudget(transientBudget, timer, Duration.ofSeconds(1));

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void take_afterGive_sameSize_reusesArray() {
    StagingBuffers buffers = budget.newStagingBuffers();
    float[] first = buffers.take(8, "test", false);
    buffers.give(first);
    assertThat(buffers.take(8, "test", false)).isSameAs(first);
    assertThat(buffers.retainedFloats()).isZero();
  }

  @Test
  void take_otherSize_returnsFreshArrayAndKeepsTheSpare() {
    StagingBuffers buffers = budget.newStagingBuffers();
    float[] first = buffers.take(8, "test", false);
    buffers.give(first);
    float[] second = buffers.take(16, "test", false);
    assertThat(second).isNotSameAs(first).hasSize(16);
    assertThat(buffers.retainedFloats()).isEqualTo(8);
  }

  @Test
  void groupsPushedInTurn_withTheSameSize_shareOneArray() {
    // One push per group, groups in turn: keyed by group, every push would allocate.
    StagingBuffers buffers = budget.newStagingBuffers();
    float[] first = buffers.take(1024, "test", false);
    buffers.give(first);
    for (int push = 0; push < 10; push++) {
      float[] array = buffers.take(1024, "test", false);
      assertThat(array).isSameAs(first);
      buffers.give(array);
    }
    assertThat(buffers.retainedFloats()).isEqualTo(1024);
  }

  @Test
  void aPushOfSeveralEqualGroups_getsDistinctArrays() {
    StagingBuffers buffers = budget.newStagingBuffers();
    float[] a = buffers.take(4, "test", false);
    float[] b = buffers.take(4, "test", false);
    buffers.give(a);
    buffers.give(b);
    float[] again1 = buffers.take(4, "test", false);
    float[] again2 = buffers.take(4, "test", false);
    assertThat(again1).isNotSameAs(again2);
    assertThat(buffers.take(4, "test", false)).isNotSameAs(a).isNotSameAs(b);
  }

  @Test
  void take_reservesAndSparesKeepTheirReservation_closeReleasesAll() {
    StagingBuffers buffers = budget.newStagingBuffers();
    float[] array = buffers.take(1000, "test", false);
    assertThat(transientBudget.inUseBytes()).isEqualTo(4000);
    buffers.give(array);
    assertThat(transientBudget.inUseBytes()).isEqualTo(4000);
    buffers.close();
    assertThat(transientBudget.inUseBytes()).isZero();
  }

  @Test
  void give_afterClose_releasesAtOnce() {
    StagingBuffers buffers = budget.newStagingBuffers();
    float[] array = buffers.take(1000, "test", false);
    buffers.close();
    buffers.give(array);
    assertThat(transientBudget.inUseBytes()).isZero();
    assertThat(buffers.retainedFloats()).isZero();
  }

  @Test
  void give_overCap_isNotRetainedAndReleased() {
    TransientMemoryBudget large = new TransientMemoryBudget(1L << 30);
    StagingBuffers buffers =
        new WriteBudget(large, timer, Duration.ofSeconds(1)).newStagingBuffers();
    float[] big = buffers.take((int) StagingBuffers.MAX_RETAINED_FLOATS, "test", false);
    float[] small = buffers.take(1, "test", false);
    buffers.give(big);
    buffers.give(small);
    assertThat(buffers.retainedFloats()).isEqualTo(StagingBuffers.MAX_RETAINED_FLOATS);
    assertThat(large.inUseBytes()).isEqualTo(StagingBuffers.MAX_RETAINED_FLOATS * Float.BYTES);
  }

  @Test
  void take_notFittingNow_dropsOtherStreamsSparesFirst() {
    StagingBuffers idle = budget.newStagingBuffers();
    idle.give(idle.take(200_000, "idle", false)); // 800 KB kept as a spare
    StagingBuffers busy = budget.newStagingBuffers();
    assertThat(busy.take(100_000, "busy", false)).hasSize(100_000);
    assertThat(idle.retainedFloats()).isZero();
    assertThat(transientBudget.inUseBytes()).isEqualTo(400_000);
  }

  @Test
  void take_heldByOthers_returnsNull() {
    StagingBuffers holder = budget.newStagingBuffers();
    holder.take(200_000, "holder", false);
    assertThat(budget.newStagingBuffers().take(100_000, "waiter", false)).isNull();
  }

  @Test
  void take_largerThanTheBudget_failsNamingIt() {
    assertThatThrownBy(
            () -> budget.newStagingBuffers().take(1 << 20, "push 1, group 'big',", false))
        .isInstanceOf(GroupStoreException.class)
        .hasMessageContaining("push 1, group 'big'")
        .hasMessageContaining("--max-transient-bytes");
    assertThat(transientBudget.inUseBytes()).isZero();
  }

  @Test
  void take_aheadOfItsData_isHeldToThreeQuartersOfTheBudget() {
    StagingBuffers buffers = budget.newStagingBuffers();
    int floats = 200_000; // 800 KB of a 1 MiB budget

    assertThatThrownBy(() -> buffers.take(floats, "push 2, group 'g',", true))
        .isInstanceOf(GroupStoreException.class)
        .hasMessageContaining("--max-transient-bytes");
    assertThat(buffers.take(floats, "push 3, group 'g',", false)).hasSize(floats);
  }
}
