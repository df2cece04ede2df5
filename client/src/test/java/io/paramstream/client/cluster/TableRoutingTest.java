package io.paramstream.client.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TableRoutingTest {

  @Test
  void mix_isMurmur3Fmix64() {
    // fmix64(1) as in the MurmurHash3 reference implementation.
    assertThat(TableRouting.mix(1)).isEqualTo(0xb456bcfc34c2cb2cL);
    assertThat(TableRouting.mix(0)).isZero();
  }

  @Test
  void keyedShard_sequentialIds_spreadEvenlyOverThreeShards() {
    int[] counts = new int[3];
    for (long id = 0; id < 30_000; id++) {
      counts[TableRouting.keyedShard(id, 3)]++;
    }
    for (int count : counts) {
      assertThat(count).isBetween(9_700, 10_300);
    }
  }

  @Test
  void keyedShard_negativeIds_landOnAShard() {
    assertThat(TableRouting.keyedShard(-1, 3)).isBetween(0, 2);
    assertThat(TableRouting.keyedShard(Long.MIN_VALUE, 3)).isBetween(0, 2);
  }

  @Test
  void indexed_rowsOnEachShard_addUpAndMatchTheLocalIds() {
    long rows = 10;
    long total = 0;
    for (int shard = 0; shard < 3; shard++) {
      total += TableRouting.indexedRowsOn(shard, rows, 3);
    }
    assertThat(total).isEqualTo(rows);
    // Row 9 is shard 0's fourth row (local id 3): shard 0 holds rows 0, 3, 6, 9.
    assertThat(TableRouting.indexedShard(9, 3)).isZero();
    assertThat(TableRouting.indexedLocalId(9, 3)).isEqualTo(3);
    assertThat(TableRouting.indexedRowsOn(0, rows, 3)).isEqualTo(4);
    assertThat(TableRouting.indexedRowsOn(2, rows, 3)).isEqualTo(3);
  }
}
