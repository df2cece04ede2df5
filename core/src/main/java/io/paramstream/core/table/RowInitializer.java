package io.paramstream.core.table;

/**
 * The value a row holds before any gradient reached it: a keyed table's row when first touched, and
 * every row of an indexed table at creation. Deterministic per {@code (seed, id, element)}, so a
 * row's initial value does not depend on which rows were touched before it, on the order of first
 * touches, or on which server shard holds it; a read of a row never touched returns exactly the
 * value a first push would start from.
 *
 * <p>The bits: for element {@code j} of row {@code id},
 *
 * <pre>
 *   bits(k) = mix(mix(seed ^ mix(id)) + (k + 1) * 0x9E3779B97F4A7C15)
 *   mix     = MurmurHash3's 64-bit finalizer (shifts 33, constants ff51afd7ed558ccd, c4ceb9fe1a85ec53)
 *   ZEROS   0
 *   UNIFORM float32(scale * (2u - 1)),  u = (bits(j) >>> 11) * 2^-53, in [-scale, scale)
 *   NORMAL  float32(scale * sqrt(-2 ln u1) * cos(2 pi u2)),  Box-Muller with
 *           u1 = ((bits(2j) >>> 11) + 1) * 2^-53 in (0, 1], u2 = (bits(2j + 1) >>> 11) * 2^-53
 * </pre>
 *
 * computed in double with {@link StrictMath}, so every JVM (and a careful port) gets the same
 * floats.
 *
 * @param scale half-width for UNIFORM, standard deviation for NORMAL; ignored by ZEROS
 */
public record RowInitializer(Kind kind, double scale, long seed) {

  /** The distribution of initial values. */
  public enum Kind {
    ZEROS,
    UNIFORM,
    NORMAL
  }

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final double UNIT = 0x1.0p-53;

  public RowInitializer {
    if (kind == null) {
      throw new IllegalArgumentException("initializer kind must be set");
    }
    if (!Double.isFinite(scale) || scale < 0 || !Float.isFinite((float) scale)) {
      throw new IllegalArgumentException(
          "initializer scale must be finite, >= 0 and fit in float32, got " + scale);
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

  /** Writes row {@code id}'s initial value into {@code out[offset, offset + dim)}. */
  public void fill(long id, float[] out, int offset, int dim) {
    long rowSeed = IdIndex.mix(seed ^ IdIndex.mix(id));
    for (int j = 0; j < dim; j++) {
      out[offset + j] =
          switch (kind) {
            case ZEROS -> 0.0f;
            case UNIFORM -> (float) (scale * (2.0 * unit(rowSeed, j) - 1.0));
            case NORMAL -> {
              double u1 = unit(rowSeed, 2L * j) + UNIT;
              double u2 = unit(rowSeed, 2L * j + 1);
              yield (float)
                  (scale
                      * StrictMath.sqrt(-2.0 * StrictMath.log(u1))
                      * StrictMath.cos(2.0 * StrictMath.PI * u2));
            }
          };
    }
  }

  /** {@code (bits(k) >>> 11) * 2^-53}: a double in [0, 1). */
  private static double unit(long rowSeed, long k) {
    return (IdIndex.mix(rowSeed + (k + 1) * GOLDEN) >>> 11) * UNIT;
  }
}
