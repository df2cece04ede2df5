package io.paramstream.charts;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tick positions and the short labels written beside them. */
public final class Ticks {

  private Ticks() {}

  /** 1, 2, 2.5 or 5 times a power of ten, giving about {@code ticks} steps up to {@code max}. */
  public static double niceStep(double max, int ticks) {
    double raw = max / ticks;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 2.5, 5}) {
      if (raw <= m * magnitude) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /**
   * Multiples of {@code step} from the first at or below {@code low} to the first at or above
   * {@code high}: the axis runs from the first to the last.
   */
  public static List<Double> covering(double low, double high, double step) {
    long first = (long) Math.floor(low / step + 1e-9);
    long last = Math.max(first + 1, (long) Math.ceil(high / step - 1e-9));
    List<Double> ticks = new ArrayList<>();
    for (long i = first; i <= last; i++) {
      ticks.add(i * step);
    }
    return ticks;
  }

  /** A number in at most four significant digits, 1.25k and 3M for the large ones. */
  public static String number(double v) {
    double a = Math.abs(v);
    if (a >= 1e6) {
      return plain(v / 1e6, 4) + "M";
    }
    return a >= 1e3 ? plain(v / 1e3, 4) + "k" : plain(v, 4);
  }

  /**
   * A value written beside its bar: whole with thousands separators from 100 on (1,759), three
   * significant digits below (0.944, 9.43).
   */
  public static String value(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,d", Math.round(v)) : plain(v, 3);
  }

  /** A latency in the unit that keeps it short: 100 ns, 10 µs, 1.50 ms, 2 s. */
  public static String duration(double nanos) {
    if (nanos < 1e3) {
      return trim(nanos) + " ns";
    }
    if (nanos < 1e6) {
      return trim(nanos / 1e3) + " µs";
    }
    if (nanos < 1e9) {
      return trim(nanos / 1e6) + " ms";
    }
    return trim(nanos / 1e9) + " s";
  }

  /** A whole number as it is, anything else in three significant digits. */
  public static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static String plain(double v, int digits) {
    if (v == 0 || !Double.isFinite(v)) {
      return v == 0 ? "0" : Double.toString(v);
    }
    return new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
  }
}
