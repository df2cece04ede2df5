package io.paramstream.client.cluster;

/**
 * Which shard holds a table row, and under which id. Every client of a cluster must agree, so this
 * is part of the documented placement (see {@link ShardedClient}).
 *
 * <ul>
 *   <li>Keyed tables: row {@code id} lives on shard {@code Long.remainderUnsigned(mix(id), n)}
 *       under the same id, where {@code mix} is MurmurHash3's 64-bit finalizer (fmix64), so
 *       sequential ids spread evenly.
 *   <li>Indexed tables: row {@code id} lives on shard {@code id % n} as local row {@code id / n};
 *       that shard's table is created with {@code id_offset = shard} and {@code id_stride = n}.
 * </ul>
 */
final class TableRouting {
  private TableRouting() {}

  /** The shard of a keyed table's row. */
  static int keyedShard(long id, int shards) {
    return (int) Long.remainderUnsigned(mix(id), shards);
  }

  /** The shard of an indexed table's row; {@code id >= 0}. */
  static int indexedShard(long id, int shards) {
    return (int) (id % shards);
  }

  /** An indexed table's row id on its shard; {@code id >= 0}. */
  static long indexedLocalId(long id, int shards) {
    return id / shards;
  }

  /** How many of an indexed table's {@code rows} rows shard {@code shard} holds. */
  static long indexedRowsOn(int shard, long rows, int shards) {
    return rows / shards + (shard < rows % shards ? 1 : 0);
  }

  /** MurmurHash3's fmix64. */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
