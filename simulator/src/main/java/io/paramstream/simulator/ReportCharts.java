package io.paramstream.simulator;

import io.paramstream.charts.LineChart;
import io.paramstream.charts.Plot;
import io.paramstream.charts.Svg;
import io.paramstream.charts.Ticks;
import java.util.List;
import java.util.Locale;

/**
 * The report's two inline SVG charts, each with labelled ticks and units: latency by percentile on
 * log scales (a tail spans decades, which a linear axis squashes into the floor), and throughput
 * over time.
 */
final class ReportCharts {

  private static final String[] PERCENTILES = {
    "p0", "p90", "p99", "p99.9", "p99.99", "p99.999", "max"
  };

  private ReportCharts() {}

  /**
   * x: percentile on a log scale of 1/(1-p), p100 drawn one decade past p99.999; y: latency on a
   * log scale, one labelled tick per decade.
   */
  static void percentiles(StringBuilder out, LatencySummary latency) {
    Plot plot = Plot.standard();
    Svg.open(out, "latency-percentiles", plot, null);
    if (latency.curve().isEmpty()) {
      Svg.closeEmpty(out, "no operations recorded");
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
      double y = logY(plot, Math.pow(10, d), lowDecade, highDecade);
      Svg.gridLine(out, plot.left(), y, plot.width() - plot.right(), y);
      Svg.text(out, plot.left() - 8, y + 4, Ticks.duration(Math.pow(10, d)), "end");
    }
    double maxX = PERCENTILES.length - 1;
    for (int i = 0; i < PERCENTILES.length; i++) {
      double x = plot.x(i / maxX);
      Svg.gridLine(out, x, plot.top(), x, plot.y(0));
      Svg.text(out, x, plot.y(0) + 18, PERCENTILES[i], "middle");
    }
    StringBuilder points = new StringBuilder();
    for (LatencySummary.CurvePoint p : latency.curve()) {
      double decades = p.percentile() >= 100 ? maxX : Math.log10(1 / (1 - p.percentile() / 100));
      double x = plot.x(Math.min(decades, maxX) / maxX);
      double y = logY(plot, Math.max(p.nanos(), 1), lowDecade, highDecade);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      Svg.circle(
          out,
          x,
          y,
          Svg.color(0),
          "p" + Ticks.trim(p.percentile()) + ": " + Ticks.duration(p.nanos()));
    }
    Svg.polyline(out, points, Svg.color(0), "latency");
    Svg.axes(out, plot, "latency (log scale)", "percentile (log scale of 1 / (1 - p))");
    Svg.close(out);
  }

  /** x: seconds since the measurement started; y: operations per second, from zero. */
  static void throughput(StringBuilder out, List<RunReport.Interval> timeline) {
    double[] seconds = new double[timeline.size()];
    double[] rates = new double[timeline.size()];
    for (int i = 0; i < timeline.size(); i++) {
      seconds[i] = timeline.get(i).elapsedSeconds();
      rates[i] = timeline.get(i).operationsPerSecond();
    }
    out.append(
        LineChart.builder("throughput")
            .xLabel("time since the measurement started")
            .xUnit(" s")
            .xFrom(0)
            .yLabel("operations/s")
            .series("operations/s", seconds, rates)
            .svg());
  }

  private static double logY(Plot plot, double nanos, int lowDecade, int highDecade) {
    return plot.y((Math.log10(nanos) - lowDecade) / (highDecade - lowDecade));
  }
}
