package io.paramstream.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart on linear axes: one coloured line per series, labelled ticks on both axes, axis
 * names with their units, and a legend when there is more than one series. Non-finite points are
 * left out (the line joins their neighbours); each point has a marker with a tooltip when there are
 * few enough to tell apart.
 *
 * <pre>{@code
 * String svg = LineChart.builder("loss").xLabel("epoch").yLabel("loss")
 *     .series("worker-0", epochs, losses).svg();
 * }</pre>
 */
public final class LineChart {

  private static final int MAX_MARKERS = 80;

  private LineChart() {}

  /** A chart whose {@code <svg>} element gets the HTML id {@code id}. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** Collects the chart's settings and series; {@link #svg()} draws it. */
  public static final class Builder extends ChartBuilder<Builder> {
    private final List<double[][]> series = new ArrayList<>();
    private String xUnit = "";
    private Double xMin;
    private Double yMin;
    private Double yMax;
    private boolean integerX;
    private boolean tightY;

    private Builder(String id) {
      super(id);
    }

    @Override
    Builder self() {
      return this;
    }

    /** Appended to every x tick label, e.g. {@code " s"}. */
    public Builder xUnit(String unit) {
      this.xUnit = unit;
      return this;
    }

    /** Starts the x axis here instead of at the smallest x. */
    public Builder xFrom(double min) {
      this.xMin = min;
      return this;
    }

    /** Ticks on whole numbers of x only (epochs, steps). */
    public Builder integerX() {
      this.integerX = true;
      return this;
    }

    /** A fixed y range (e.g. 0 to 1 for an accuracy) instead of 0 (or the least y) to the most. */
    public Builder yRange(double min, double max) {
      if (!(min < max)) {
        throw new IllegalArgumentException("y range needs min < max, got " + min + ", " + max);
      }
      this.yMin = min;
      this.yMax = max;
      return this;
    }

    /**
     * The y axis spans the data (to the nearest ticks) instead of starting at zero: for values that
     * vary little far from zero, such as an accuracy near its end.
     */
    public Builder tightY() {
      this.tightY = true;
      return this;
    }

    /** Adds a series; {@code xs} and {@code ys} are its points' coordinates, in drawing order. */
    public Builder series(String name, double[] xs, double[] ys) {
      if (xs.length != ys.length) {
        throw new IllegalArgumentException(
            name + ": " + xs.length + " x values for " + ys.length + " y values");
      }
      names.add(name);
      series.add(new double[][] {xs.clone(), ys.clone()});
      return this;
    }

    @Override
    public String svg() {
      Plot plot = framed(Plot.standard());
      StringBuilder out = new StringBuilder(4096);
      Svg.open(out, id, plot, title);
      double[] range = dataRange();
      if (range == null) {
        Svg.closeEmpty(out, "no data");
        return out.toString();
      }
      double x0 = xMin != null ? Math.min(xMin, range[0]) : range[0];
      double x1 = Math.max(range[1], x0 + (integerX ? 1 : 1e-9));
      double xStep = Ticks.niceStep(x1 - x0, 8);
      if (integerX) {
        xStep = Math.max(1, Math.ceil(xStep));
      }
      for (double t : Ticks.covering(x0, x1, xStep)) {
        if (t < x0 - 1e-9 || t > x1 + 1e-9) {
          continue;
        }
        double x = plot.x((t - x0) / (x1 - x0));
        Svg.gridLine(out, x, plot.top(), x, plot.y(0));
        Svg.text(out, x, plot.y(0) + 18, Ticks.number(t) + xUnit, "middle");
      }
      double y0;
      double y1;
      if (yMin != null) {
        y0 = yMin;
        y1 = yMax;
      } else {
        double low = tightY ? range[2] : Math.min(0, range[2]);
        double high = range[3] > low ? range[3] : low + 1;
        double yStep = Ticks.niceStep(high - low, 5);
        List<Double> ticks = Ticks.covering(low, high, yStep);
        y0 = ticks.get(0);
        y1 = ticks.get(ticks.size() - 1);
      }
      for (double v : Ticks.covering(y0, y1, Ticks.niceStep(y1 - y0, 5))) {
        if (v < y0 - 1e-9 || v > y1 + 1e-9) {
          continue;
        }
        double y = plot.y((v - y0) / (y1 - y0));
        Svg.gridLine(out, plot.left(), y, plot.width() - plot.right(), y);
        Svg.text(out, plot.left() - 8, y + 4, Ticks.number(v), "end");
      }
      int markers = 0;
      for (double[][] s : series) {
        markers += s[0].length;
      }
      for (int i = 0; i < series.size(); i++) {
        double[] xs = series.get(i)[0];
        double[] ys = series.get(i)[1];
        StringBuilder points = new StringBuilder();
        for (int p = 0; p < xs.length; p++) {
          if (!Double.isFinite(xs[p]) || !Double.isFinite(ys[p])) {
            continue;
          }
          double x = plot.x((xs[p] - x0) / (x1 - x0));
          double y = plot.y((Math.max(y0, Math.min(y1, ys[p])) - y0) / (y1 - y0));
          points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
          if (markers <= MAX_MARKERS) {
            Svg.circle(
                out,
                x,
                y,
                Svg.color(i),
                names.get(i) + ": " + Ticks.number(xs[p]) + xUnit + ", " + Ticks.number(ys[p]));
          }
        }
        Svg.polyline(out, points, Svg.color(i), names.get(i));
      }
      finish(out, plot);
      return out.toString();
    }

    /** {min x, max x, min y, max y} over the finite points, or null when there are none. */
    private double[] dataRange() {
      double[] r = {
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY
      };
      for (double[][] s : series) {
        for (int p = 0; p < s[0].length; p++) {
          if (Double.isFinite(s[0][p]) && Double.isFinite(s[1][p])) {
            r[0] = Math.min(r[0], s[0][p]);
            r[1] = Math.max(r[1], s[0][p]);
            r[2] = Math.min(r[2], s[1][p]);
            r[3] = Math.max(r[3], s[1][p]);
          }
        }
      }
      return r[0] <= r[1] ? r : null;
    }
  }
}
