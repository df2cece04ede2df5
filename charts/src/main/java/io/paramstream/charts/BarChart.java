package io.paramstream.charts;

import java.util.ArrayList;
import java.util.List;

/**
 * A grouped bar chart: one group per category along x, one coloured bar per series in each group,
 * each bar labelled with its value, y from zero with labelled ticks, optional dashed reference
 * lines (a target, a limit) and a legend when there is more than one series. A NaN value draws no
 * bar (that series has no figure for that category).
 */
public final class BarChart {

  private BarChart() {}

  /** A chart whose {@code <svg>} element gets the HTML id {@code id}. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** Collects the chart's settings, categories and series; {@link #svg()} draws it. */
  public static final class Builder extends ChartBuilder<Builder> {
    private final List<double[]> values = new ArrayList<>();
    private final List<Double> references = new ArrayList<>();
    private List<String> categories = List.of();

    private Builder(String id) {
      super(id);
    }

    @Override
    Builder self() {
      return this;
    }

    /** The groups along x, left to right; every series has one value per category. */
    public Builder categories(List<String> labels) {
      this.categories = List.copyOf(labels);
      return this;
    }

    public Builder series(String name, double... perCategory) {
      names.add(name);
      values.add(perCategory.clone());
      return this;
    }

    /** A dashed horizontal line at {@code value} across the plot, named in the legend. */
    public Builder reference(double value, String label) {
      references.add(value);
      referenceLines.add(label);
      return this;
    }

    @Override
    public String svg() {
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i).length != categories.size()) {
          throw new IllegalArgumentException(
              names.get(i)
                  + ": "
                  + values.get(i).length
                  + " values for "
                  + categories.size()
                  + " categories");
        }
      }
      Plot base = Plot.standard();
      int width = Math.max(base.width(), 100 + categories.size() * (30 + 26 * names.size()));
      Plot plot =
          framed(
              new Plot(width, base.height(), base.left(), base.right(), base.top(), base.bottom()));
      StringBuilder out = new StringBuilder(4096);
      Svg.open(out, id, plot, title);
      double max = 0;
      for (double[] v : values) {
        for (double d : v) {
          max = Double.isFinite(d) ? Math.max(max, d) : max;
        }
      }
      for (double r : references) {
        max = Math.max(max, r);
      }
      if (categories.isEmpty() || max <= 0) {
        Svg.closeEmpty(out, "no data");
        return out.toString();
      }
      double step = Ticks.niceStep(max * 1.08, 5);
      List<Double> ticks = Ticks.covering(0, max * 1.08, step);
      double top = ticks.get(ticks.size() - 1);
      for (double v : ticks) {
        double y = plot.y(v / top);
        Svg.gridLine(out, plot.left(), y, plot.width() - plot.right(), y);
        Svg.text(out, plot.left() - 8, y + 4, Ticks.number(v), "end");
      }
      double group = plot.plotWidth() / (double) categories.size();
      double bar = group * 0.8 / names.size();
      for (int c = 0; c < categories.size(); c++) {
        double groupLeft = plot.left() + c * group + group * 0.1;
        for (int s = 0; s < names.size(); s++) {
          double v = values.get(s)[c];
          if (!Double.isFinite(v)) {
            continue;
          }
          double x = groupLeft + s * bar;
          double y = plot.y(v / top);
          Svg.rect(
              out,
              x,
              y,
              bar * 0.92,
              plot.y(0) - y,
              Svg.color(s),
              names.get(s) + ", " + categories.get(c) + ": " + Ticks.number(v));
          Svg.textSized(out, x + bar * 0.46, y - 3, Ticks.value(v), "middle", 10);
        }
        Svg.text(out, plot.left() + (c + 0.5) * group, plot.y(0) + 18, categories.get(c), "middle");
      }
      for (int r = 0; r < references.size(); r++) {
        double y = plot.y(references.get(r) / top);
        Svg.line(out, plot.left(), y, plot.width() - plot.right(), y, Svg.referenceColor(r), true);
      }
      finish(out, plot);
      return out.toString();
    }
  }
}
