package io.paramstream.core.table;

import java.util.Arrays;

/**
 * An open-addressing map from 64-bit keys to non-negative ints over two primitive arrays, with
 * linear probing and a power-of-two capacity kept at most three quarters full. No boxing, no entry
 * objects: a lookup touches two arrays. Entries are never removed one by one, only all at once
 * ({@link #clear}), so probing needs no tombstones. Not thread-safe: the owner's lock guards it.
 */
final class LongIntIndex {

  private static final int EMPTY = -1;

  /** The largest capacity an int-indexed array allows as a power of two. */
  static final int MAX_CAPACITY = 1 << 30;

  /** Most entries ever held: three quarters of the largest capacity. */
  static final int MAX_SIZE = MAX_CAPACITY / 4 * 3;

  private long[] keys;
  private int[] values; // EMPTY marks a free slot, so any long is a valid key
  private int mask;
  private int size;

  LongIntIndex(int expectedSize) {
    int capacity = 16;
    while (capacity / 4 * 3 < expectedSize && capacity < MAX_CAPACITY) {
      capacity <<= 1;
    }
    allocate(capacity);
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new int[capacity];
    Arrays.fill(values, EMPTY);
    mask = capacity - 1;
  }

  int size() {
    return size;
  }

  /** The value for {@code key}, or -1 when absent. */
  int get(long key) {
    for (int slot = slot(key); ; slot = (slot + 1) & mask) {
      int value = values[slot];
      if (value == EMPTY || keys[slot] == key) {
        return value;
      }
    }
  }

  /**
   * Maps {@code key} to {@code value} unless it is mapped already.
   *
   * @param value must be >= 0
   * @return the value already mapped, or -1 when this call inserted {@code value}
   */
  int putIfAbsent(long key, int value) {
    if (size >= (mask + 1) / 4 * 3) {
      grow();
    }
    int slot = slot(key);
    for (; values[slot] != EMPTY; slot = (slot + 1) & mask) {
      if (keys[slot] == key) {
        return values[slot];
      }
    }
    keys[slot] = key;
    values[slot] = value;
    size++;
    return EMPTY;
  }

  /** Forgets every entry and keeps the capacity, so a reused index allocates nothing. */
  void clear() {
    if (size > 0) {
      Arrays.fill(values, EMPTY);
      size = 0;
    }
  }

  /** Doubles the capacity and reinserts every entry at its new home slot. */
  private void grow() {
    int capacity = mask + 1;
    if (capacity >= MAX_CAPACITY) {
      throw new IllegalStateException("index is full at " + size + " entries");
    }
    long[] oldKeys = keys;
    int[] oldValues = values;
    allocate(capacity * 2);
    for (int i = 0; i < oldValues.length; i++) {
      if (oldValues[i] != EMPTY) {
        int slot = slot(oldKeys[i]);
        while (values[slot] != EMPTY) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        values[slot] = oldValues[i];
      }
    }
  }

  private int slot(long key) {
    return (int) mix(key) & mask;
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
