package io.paramstream.core.table;

import java.util.Arrays;

/**
 * Numbers distinct 64-bit ids 0, 1, 2, ... in the order they are first added, and finds an id's
 * number: a keyed table's row numbers, a push's distinct ids. Two primitive arrays, no boxing, no
 * entry objects: {@code ids} holds each id once, at its number, and an open-addressing hash table
 * of ints ({@code slots}, linear probing, power-of-two capacity at most three quarters full) holds
 * number + 1 at the id's slot, 0 for a free slot, so any long is a valid id.
 *
 * <p>Why not a key array beside the value array: the ids are stored by number anyway (a table
 * writes its rows' ids to checkpoints), so a second copy in the hash table would cost 8 bytes a
 * slot for nothing. A 1M-row keyed table's index is 16 MB this way rather than 32 MB, and a lookup
 * still touches two arrays: the slot, then the id it points at.
 *
 * <p>Ids are never removed one by one, only all at once ({@link #clear}), so probing needs no
 * tombstones. Not thread-safe: the owner's lock guards it.
 */
final class IdIndex {

  /** The largest hash table an int-indexed array allows as a power of two. */
  static final int MAX_CAPACITY = 1 << 30;

  /** Most ids ever held: three quarters of the largest capacity. */
  static final int MAX_SIZE = MAX_CAPACITY / 4 * 3;

  private long[] ids;
  private int[] slots;
  private int mask;
  private int size;

  IdIndex(int expectedSize) {
    int capacity = 16;
    while (capacity / 4 * 3 < expectedSize && capacity < MAX_CAPACITY) {
      capacity <<= 1;
    }
    slots = new int[capacity];
    mask = capacity - 1;
    ids = new long[Math.max(1, expectedSize)];
  }

  int size() {
    return size;
  }

  /** The number of {@code id}, or -1 when it was never added. */
  int get(long id) {
    for (int slot = slot(id); ; slot = (slot + 1) & mask) {
      int entry = slots[slot];
      if (entry == 0 || ids[entry - 1] == id) {
        return entry - 1;
      }
    }
  }

  /**
   * Adds {@code id} as number {@link #size()} unless it was added before.
   *
   * @return the number it already had, or -1 when this call added it (its number is then {@code
   *     size() - 1})
   */
  int addIfAbsent(long id) {
    if (size >= (mask + 1) / 4 * 3) {
      grow();
    }
    int slot = slot(id);
    for (int entry; (entry = slots[slot]) != 0; slot = (slot + 1) & mask) {
      if (ids[entry - 1] == id) {
        return entry - 1;
      }
    }
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, (int) Math.min(Integer.MAX_VALUE - 8, 2L * size));
    }
    ids[size] = id;
    size++;
    slots[slot] = size;
    return -1;
  }

  /** The id numbered {@code number} ({@code 0 <= number < size()}). */
  long id(int number) {
    return ids[number];
  }

  /** Forgets every id and keeps the capacity, so a reused index allocates nothing. */
  void clear() {
    if (size > 0) {
      Arrays.fill(slots, 0);
      size = 0;
    }
  }

  /** Doubles the hash table and puts every number at its id's new home slot. */
  private void grow() {
    int capacity = mask + 1;
    if (capacity >= MAX_CAPACITY) {
      throw new IllegalStateException("index is full at " + size + " ids");
    }
    slots = new int[capacity * 2];
    mask = capacity * 2 - 1;
    for (int number = 0; number < size; number++) {
      int slot = slot(ids[number]);
      while (slots[slot] != 0) {
        slot = (slot + 1) & mask;
      }
      slots[slot] = number + 1;
    }
  }

  private int slot(long id) {
    return (int) mix(id) & mask;
  }

  /**
   * MurmurHash3's 64-bit finalizer: spreads ids that differ only in high bits (shard prefixes,
   * multiples of a power of two) over the low bits the mask keeps.
   */
  static long mix(long key) {
    long h = key;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
