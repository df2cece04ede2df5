package io.paramstream.core.table;

import java.io.IOException;

/**
 * Receives one table of a checkpoint: its header, then its stored rows in row order in runs (a run
 * is one block of rows), then its end. Arrays are valid only during the call and must not be
 * changed.
 */
public interface TableRowSink {

  void begin(TableHeader header) throws IOException;

  /**
   * The next {@code count} rows; row {@code i} of the run is at {@code i * dim} in each array.
   *
   * @param ids the rows' ids (keyed tables), null for an indexed table
   * @param first the momentum or first moment, null when the optimizer keeps none
   * @param second Adam's second moment, null when the optimizer keeps none
   */
  void rows(long[] ids, float[] values, float[] first, float[] second, int count)
      throws IOException;

  void end() throws IOException;
}
