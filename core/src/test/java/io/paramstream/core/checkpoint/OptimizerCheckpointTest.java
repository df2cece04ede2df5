package io.paramstream.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.StoreState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A group restored from a checkpoint keeps updating exactly as if it had never stopped. */
@Timeout(60)
class OptimizerCheckpointTest {

  private static final Hyperparameters HP = new Hyperparameters(0.05, 0.01);

  @Test
  void restore_statefulOptimizers_continueBitForBit() throws IOException {
    GroupStore original = new GroupStore(HP);
    original.create("adam", values(1, 64), true, HP, Optimizer.adam(0.9, 0.999, 1e-8));
    original.create("adamw", values(2, 64), true, HP, Optimizer.adamW(0.9, 0.99, 1e-6));
    original.create("nesterov", values(3, 64), false, HP, Optimizer.sgd(0.9, 0, true));
    original.create("sgd", values(4, 64), true, HP);
    Random random = new Random(5);
    for (int step = 0; step < 5; step++) {
      original.push(gradients(random));
    }

    GroupStore restored = new GroupStore(HP);
    restored.importState(roundTrip(original.exportState()));

    // The same next gradients applied to both must give identical bits: moments, momentum
    // buffers and step counts all came back.
    for (int step = 0; step < 5; step++) {
      List<GroupGradient> next = gradients(random);
      original.push(next);
      restored.push(next);
    }
    List<String> names = List.of("adam", "adamw", "nesterov", "sgd");
    var expected = original.snapshot(names);
    var actual = restored.snapshot(names);
    for (String name : names) {
      assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
    }
    assertThat(restored.list(List.of())).isEqualTo(original.list(List.of()));
  }

  @Test
  void restore_withoutOptimizerState_wouldDiverge() throws IOException {
    // Control: a fresh Adam group with the same values does not match, so the test above can fail.
    GroupStore original = new GroupStore(HP);
    original.create("adam", values(1, 16), true, HP, Optimizer.adam(0.9, 0.999, 1e-8));
    float[] grad = values(7, 16);
    for (int step = 0; step < 3; step++) {
      original.push(List.of(new GroupGradient("adam", grad.clone())));
    }
    GroupStore fresh = new GroupStore(HP);
    fresh.create(
        "adam",
        original.snapshot(List.of("adam")).get("adam"),
        true,
        HP,
        Optimizer.adam(0.9, 0.999, 1e-8));

    original.push(List.of(new GroupGradient("adam", grad.clone())));
    fresh.push(List.of(new GroupGradient("adam", grad.clone())));

    assertThat(fresh.snapshot(List.of("adam")).get("adam"))
        .isNotEqualTo(original.snapshot(List.of("adam")).get("adam"));
  }

  private static StoreState roundTrip(StoreState state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CheckpointFormat.write(state, out);
    byte[] bytes = out.toByteArray();
    return CheckpointFormat.read(() -> new ByteArrayInputStream(bytes), bytes.length);
  }

  private static List<GroupGradient> gradients(Random random) {
    return List.of(
        new GroupGradient("adam", random(random, 64)),
        new GroupGradient("adamw", random(random, 64)),
        new GroupGradient("nesterov", random(random, 64)),
        new GroupGradient("sgd", random(random, 64)));
  }

  private static float[] random(Random random, int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  private static float[] values(long seed, int size) {
    return random(new Random(seed), size);
  }
}
