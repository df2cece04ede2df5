package io.paramstream.client.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.cluster.ShardedClient.Layout;
import io.paramstream.client.cluster.ShardedClient.Piece;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Placement decisions; channels connect lazily, so no server is needed. */
class ShardedClientPlanTest {

  private static ShardedClient cluster(int rangeElements) {
    return ShardedClient.builder()
        .addresses(List.of("127.0.0.1:3", "127.0.0.1:1", "127.0.0.1:2"))
        .rangeElements(rangeElements)
        .build();
  }

  @Test
  void builder_addressesInAnyOrder_sortedIntoShardOrder() {
    try (ShardedClient client = cluster(10)) {
      assertThat(client.shards().stream().map(Shard::address))
          .containsExactly("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3");
    }
  }

  @Test
  void plan_smallGroup_wholeOnRingOwner() {
    try (ShardedClient client = cluster(10)) {
      Layout layout = client.plan("bias", 10);
      assertThat(layout.pieces())
          .containsExactly(new Piece("bias", client.ring().nodeFor("bias"), 0, 10));
    }
  }

  @Test
  void plan_largeGroup_rangesCoverItOnDistinctShards() {
    try (ShardedClient client = cluster(10)) {
      Layout layout = client.plan("embedding", 25);
      List<Piece> pieces = layout.pieces();
      assertThat(pieces).hasSize(3);
      assertThat(pieces.get(0).start()).isZero();
      assertThat(pieces.get(2).end()).isEqualTo(25);
      for (int i = 1; i < pieces.size(); i++) {
        assertThat(pieces.get(i).start()).isEqualTo(pieces.get(i - 1).end());
      }
      assertThat(pieces).allSatisfy(p -> assertThat(p.length()).isBetween(1, 10));
      assertThat(pieces.stream().map(Piece::shard).collect(Collectors.toSet())).hasSize(3);
      assertThat(RangeName.parse(pieces.get(1).storedName()))
          .contains(new RangeName("embedding", pieces.get(1).start(), pieces.get(1).end(), 25));
    }
  }

  @Test
  void createGroup_nameWithRangeMarker_rejectedBeforeAnyCall() {
    try (ShardedClient client = cluster(10)) {
      assertThatThrownBy(() -> client.createGroup(GroupSpec.zeros("a#range:0-1/2", 2, false)))
          .isInstanceOfSatisfying(
              ParamstreamException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }
}
