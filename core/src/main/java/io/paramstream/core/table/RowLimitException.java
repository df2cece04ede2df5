package io.paramstream.core.table;

/**
 * A push would create more rows than a keyed table allows; nothing was applied. The gRPC layer maps
 * it to RESOURCE_EXHAUSTED.
 */
public final class RowLimitException extends RuntimeException {

  private final String table;
  private final long limit;
  private final long requested;

  RowLimitException(String table, long limit, long requested) {
    super(
        "table '"
            + table
            + "' is limited to "
            + limit
            + " rows; this push would make "
            + requested
            + ", "
            + (requested - limit)
            + " past the limit");
    this.table = table;
    this.limit = limit;
    this.requested = requested;
  }

  public String table() {
    return table;
  }

  public long limit() {
    return limit;
  }

  /** The row count the refused push would have reached. */
  public long requested() {
    return requested;
  }
}
