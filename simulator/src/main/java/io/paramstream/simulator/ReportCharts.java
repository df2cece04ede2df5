package io.paramstream.simulator;

import java.util.List;
import java.util.Locale;

/**
 * The report's two inline SVG charts, each with labelled ticks and units: latency by percentile on
 * log scales (a tail spans decades, which a linear axis squashes into the floor), and throughput
 * over time.
 */
final class ReportCharts {

  private static final int W = 760;
  private static final int H = 340;
  private static final int LEFT = 80;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 50;
  private static final String[] PERCENTILES = {
    "p0", "p90", "p99", "p99.9", "p99.99", "p99.999", "max"
  };

  private ReportCharts() {}

  /**
   * x: percentile on a log scale of 1/(1-p), p100 drawn one decade past p99.999; y: latency on a
   * log scale, one labelled tick per decade.
   */
  static void percentiles(StringBuilder out, LatencySummary latency) {
    start(out, "latency-percentiles");
    if (latency.curve().isEmpty()) {
      out.append("<text x=\"100\" y=\"150\">no operations recorded</text></svg>");
      return;
    }
    long min = Long.MAX_VALUE;
    long max = 1;
    for (LatencySummary.CurvePoint p : latency.curve()) {
      min = Math.min(min, Math.max(p.nanos(), 1));
      max = Math.max(max, p.nanos());
    }
    int lowDecade = (int) Math.floor(Math.log10(min));
    int highDecade = Math.max(lowDecade + 1, (int) Math.ceil(Math.log10(max)));
    for (int d = lowDecade; d <= highDecade; d++) {
      double y = logY(Math.pow(10, d), lowDecade, highDecade);
      gridLine(out, LEFT, y, W - RIGHT, y);
      text(out, LEFT - 8, y + 4, duration(Math.pow(10, d)), "end");
    }
    double maxX = PERCENTILES.length - 1;
    for (int i = 0; i < PERCENTILES.length; i++) {
      double x = LEFT + i / maxX * (W - LEFT - RIGHT);
      gridLine(out, x, TOP, x, H - BOTTOM);
      text(out, x, H - BOTTOM + 18, PERCENTILES[i], "middle");
    }
    StringBuilder points = new StringBuilder();
    for (LatencySummary.CurvePoint p : latency.curve()) {
      double decades = p.percentile() >= 100 ? maxX : Math.log10(1 / (1 - p.percentile() / 100));
      double x = LEFT + Math.min(decades, maxX) / maxX * (W - LEFT - RIGHT);
      double y = logY(Math.max(p.nanos(), 1), lowDecade, highDecade);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      out.append(
          String.format(
              Locale.ROOT,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\"><title>p%s: %s</title>"
                  + "</circle>",
              x,
              y,
              trim(p.percentile()),
              duration(p.nanos())));
    }
    polyline(out, points, "#1f77b4");
    axes(out, "latency (log scale)", "percentile (log scale of 1 / (1 - p))");
    out.append("</svg>");
  }

  /** x: seconds since the measurement started; y: operations per second, from zero. */
  static void throughput(StringBuilder out, List<RunReport.Interval> timeline) {
    start(out, "throughput");
    if (timeline.isEmpty()) {
      out.append("<text x=\"100\" y=\"150\">no measurement intervals</text></svg>");
      return;
    }
    double maxT = Math.max(timeline.get(timeline.size() - 1).elapsedSeconds(), 1e-9);
    double maxOps = 0;
    for (RunReport.Interval p : timeline) {
      maxOps = Math.max(maxOps, p.operationsPerSecond());
    }
    double yStep = niceStep(maxOps > 0 ? maxOps : 1, 5);
    double yTop = yStep * Math.max(1, Math.ceil(maxOps / yStep));
    for (double v = 0; v <= yTop + yStep / 2; v += yStep) {
      double y = H - BOTTOM - v / yTop * (H - TOP - BOTTOM);
      gridLine(out, LEFT, y, W - RIGHT, y);
      text(out, LEFT - 8, y + 4, count(v), "end");
    }
    double xStep = niceStep(maxT, 8);
    for (double t = 0; t <= maxT + 1e-9; t += xStep) {
      double x = LEFT + t / maxT * (W - LEFT - RIGHT);
      gridLine(out, x, TOP, x, H - BOTTOM);
      text(out, x, H - BOTTOM + 18, trim(t) + " s", "middle");
    }
    StringBuilder points = new StringBuilder();
    for (RunReport.Interval p : timeline) {
      double x = LEFT + p.elapsedSeconds() / maxT * (W - LEFT - RIGHT);
      double y = H - BOTTOM - p.operationsPerSecond() / yTop * (H - TOP - BOTTOM);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    polyline(out, points, "#d62728");
    axes(out, "operations/s", "time since the measurement started");
    out.append("</svg>");
  }

  private static double logY(double nanos, int lowDecade, int highDecade) {
    double f = (Math.log10(nanos) - lowDecade) / (highDecade - lowDecade);
    return H - BOTTOM - f * (H - TOP - BOTTOM);
  }

  /** 1, 2, 2.5 or 5 times a power of ten, giving about {@code ticks} steps up to {@code max}. */
  static double niceStep(double max, int ticks) {
    double raw = max / ticks;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 2.5, 5}) {
      if (raw <= m * magnitude) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /** A latency in the unit that keeps it short: 100 ns, 10 µs, 1 ms, 2 s. */
  static String duration(double nanos) {
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

  private static String count(double v) {
    if (v >= 1e6) {
      return trim(v / 1e6) + "M";
    }
    return v >= 1e3 ? trim(v / 1e3) + "k" : trim(v);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static void start(StringBuilder out, String id) {
    out.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" width=\"%d\" height=\"%d\">",
            id,
            W,
            H));
  }

  private static void axes(StringBuilder out, String yName, String xName) {
    out.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>",
            LEFT,
            H - BOTTOM,
            W - RIGHT,
            H - BOTTOM,
            LEFT,
            TOP,
            LEFT,
            H - BOTTOM));
    text(out, LEFT, TOP - 12, yName, "start");
    text(out, (LEFT + W - RIGHT) / 2.0, H - 10, xName, "middle");
  }

  private static void gridLine(StringBuilder out, double x1, double y1, double x2, double y2) {
    out.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>",
            x1,
            y1,
            x2,
            y2));
  }

  private static void polyline(StringBuilder out, StringBuilder points, String color) {
    out.append("<polyline fill=\"none\" stroke=\"")
        .append(color)
        .append("\" stroke-width=\"2\" points=\"")
        .append(points)
        .append("\"/>");
  }

  private static void text(StringBuilder out, double x, double y, String text, String anchor) {
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%s\">%s</text>",
            x,
            y,
            anchor,
            ReportFormats.escape(text)));
  }
}
