package io.paramstream.core.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Once grown, a push allocates nothing per row: 1,000 pushes of 256 rows stay under 64 KiB. */
@Timeout(30)
class SparsePushAllocationTest {

  @Test
  void push_reusedRequest_allocatesNothingPerRow() {
    // Every JDK this project builds on (HotSpot 17 and 25) measures it; fail rather than skip.
    assertThat(
            ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean b
                && b.isThreadAllocatedMemorySupported())
        .as("per-thread allocation measurement supported")
        .isTrue();
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    bean.setThreadAllocatedMemoryEnabled(true);
    KeyedTable table =
        new TableStore()
            .createKeyed(
                "k",
                16,
                true,
                new Hyperparameters(1e-3, 1e-4),
                Optimizer.adam(0.9, 0.999, 1e-8),
                RowInitializer.uniform(0.1, 1),
                Long.MAX_VALUE);
    int k = 256;
    long[] ids = new long[k];
    float[] g = new float[k * 16];
    for (int i = 0; i < k; i++) {
      ids[i] = i * 1_000_003L;
    }
    java.util.Arrays.fill(g, 1e-3f);
    for (int i = 0; i < 100; i++) {
      table.push(ids, g);
    }
    long thread = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 1000; i++) {
      table.push(ids, g);
    }
    long allocated = bean.getThreadAllocatedBytes(thread) - before;
    // One object per row per push would be at least 16 * 256 * 1000 bytes = 4 MB.
    assertThat(allocated).isLessThan(64 * 1024);
  }
}
