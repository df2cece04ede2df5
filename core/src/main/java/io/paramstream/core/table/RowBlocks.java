package io.paramstream.core.table;

import java.util.Arrays;

/**
 * Rows of {@code dim} floats in chunks, so a table may hold more than the 2^31 - 1 elements one
 * Java array can: row {@code r} lives in {@code block(r)} at {@code offset(r)}. Each block holds a
 * power of two of rows, about {@link #TARGET_BLOCK_FLOATS} floats (4 MiB), or one row when a row is
 * wider than that. Only the last block may be shorter; it grows by doubling, so a table that adds
 * rows one at a time copies each row O(1) times on average and a small table stays small. Not
 * thread-safe: the owner's lock guards it.
 */
final class RowBlocks {

  static final int TARGET_BLOCK_FLOATS = 1 << 20;

  private final int dim;
  private final int rowShift;
  private final int rowsPerBlock;
  private float[][] blocks = new float[0][];
  private long capacityRows;

  RowBlocks(int dim) {
    this.dim = dim;
    int rows = Integer.highestOneBit(Math.max(1, TARGET_BLOCK_FLOATS / dim));
    this.rowsPerBlock = rows;
    this.rowShift = Integer.numberOfTrailingZeros(rows);
  }

  /** Rows per block: block {@code b} holds rows from {@code b * rowsPerBlock()}, at offset 0. */
  int rowsPerBlock() {
    return rowsPerBlock;
  }

  float[] block(int row) {
    return blocks[row >>> rowShift];
  }

  int offset(int row) {
    return (row & (rowsPerBlock - 1)) * dim;
  }

  /**
   * Makes room for rows {@code [0, rows)}; new rows are zero. With {@code exact} the last block is
   * sized to exactly what is asked (a table of fixed size), otherwise it at least doubles.
   */
  void ensureRows(int rows, boolean exact) {
    if (rows <= capacityRows) {
      return;
    }
    int neededBlocks = (int) ((rows + (long) rowsPerBlock - 1) / rowsPerBlock);
    int oldCount = blocks.length;
    if (neededBlocks > oldCount) {
      blocks = Arrays.copyOf(blocks, neededBlocks);
    }
    // Fill every earlier block, then size the last.
    for (int b = Math.max(0, oldCount - 1); b < neededBlocks - 1; b++) {
      blocks[b] = resize(blocks[b], rowsPerBlock);
    }
    int last = neededBlocks - 1;
    int lastRows = rows - last * rowsPerBlock;
    int current = blocks[last] == null ? 0 : blocks[last].length / dim;
    int target = exact ? lastRows : Math.min(rowsPerBlock, Math.max(lastRows, current * 2));
    blocks[last] = resize(blocks[last], target);
    capacityRows = (long) last * rowsPerBlock + target;
  }

  private float[] resize(float[] block, int rows) {
    int floats = rows * dim;
    if (block == null) {
      return new float[floats];
    }
    return block.length == floats ? block : Arrays.copyOf(block, floats);
  }
}
