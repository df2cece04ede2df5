package io.paramstream.client.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistentHashRingTest {

  private static final List<String> THREE =
      List.of("10.0.0.1:50051", "10.0.0.2:50051", "10.0.0.3:50051");

  @Test
  void nodeFor_twoRingsOfSameNodes_agree() {
    ConsistentHashRing a = ConsistentHashRing.of(THREE);
    ConsistentHashRing b = ConsistentHashRing.of(THREE);
    for (int i = 0; i < 1000; i++) {
      assertThat(a.nodeFor("group-" + i)).isEqualTo(b.nodeFor("group-" + i));
    }
  }

  @Test
  void nodeFor_manyKeys_spreadsRoughlyEvenly() {
    ConsistentHashRing ring = ConsistentHashRing.of(THREE);
    int[] counts = new int[3];
    int keys = 30_000;
    for (int i = 0; i < keys; i++) {
      counts[ring.nodeFor("layer." + i + ".weight")]++;
    }
    for (int count : counts) {
      assertThat((double) count / keys).isBetween(0.25, 0.42);
    }
  }

  @Test
  void nodeFor_addingFourthNode_movesKeysOnlyToIt() {
    ConsistentHashRing three = ConsistentHashRing.of(THREE);
    ConsistentHashRing four =
        ConsistentHashRing.of(
            List.of("10.0.0.1:50051", "10.0.0.2:50051", "10.0.0.3:50051", "10.0.0.4:50051"));
    int keys = 20_000;
    int moved = 0;
    for (int i = 0; i < keys; i++) {
      String key = "g" + i;
      int before = three.nodeFor(key);
      int after = four.nodeFor(key);
      if (before != after) {
        assertThat(after).as("a moved key goes to the new node").isEqualTo(3);
        moved++;
      }
    }
    // About a quarter should move; far fewer than the ~3/4 a modulo placement would move.
    assertThat((double) moved / keys).isBetween(0.15, 0.35);
  }

  @Test
  void preferenceList_startsWithOwnerAndHasEveryNodeOnce() {
    ConsistentHashRing ring = ConsistentHashRing.of(THREE);
    Map<Integer, Integer> firsts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      List<Integer> order = ring.preferenceList("k" + i);
      assertThat(order).hasSize(3).containsExactlyInAnyOrder(0, 1, 2);
      assertThat(order.get(0)).isEqualTo(ring.nodeFor("k" + i));
      firsts.merge(order.get(0), 1, Integer::sum);
    }
    assertThat(firsts).hasSize(3);
  }

  @Test
  void constructor_duplicateNode_rejected() {
    assertThatThrownBy(() -> ConsistentHashRing.of(List.of("a:1", "a:1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate");
  }
}
