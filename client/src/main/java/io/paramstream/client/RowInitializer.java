package io.paramstream.client;

/**
 * How a table's rows start. The values are a deterministic function of (seed, row id, element), so
 * a row starts the same whichever order rows are touched in and whichever server holds it (the
 * formula is in the contract, {@code RowInitializer} in parameter_server.proto).
 *
 * @param kind ZEROS, UNIFORM in [-scale, scale), or NORMAL with standard deviation {@code scale}
 * @param scale finite and {@code >= 0}; ignored by ZEROS
 * @param seed the seed of the row values
 */
public record RowInitializer(Kind kind, double scale, long seed) {

  /** The distribution rows are drawn from. */
  public enum Kind {
    ZEROS,
    UNIFORM,
    NORMAL
  }

  /** Rejects what the server would refuse, so mistakes fail before any network traffic. */
  public RowInitializer {
    if (kind == null) {
      throw new IllegalArgumentException("initializer kind must be set");
    }
    if (!Double.isFinite(scale) || scale < 0) {
      throw new IllegalArgumentException("initializer scale must be finite and >= 0, got " + scale);
    }
  }

  public static RowInitializer zeros() {
    return new RowInitializer(Kind.ZEROS, 0, 0);
  }

  public static RowInitializer uniform(double scale, long seed) {
    return new RowInitializer(Kind.UNIFORM, scale, seed);
  }

  public static RowInitializer normal(double scale, long seed) {
    return new RowInitializer(Kind.NORMAL, scale, seed);
  }
}
