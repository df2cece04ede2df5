package io.paramstream.charts;

import java.util.ArrayList;
import java.util.List;

/**
 * What every chart builder here takes: the SVG element's id, a title and the two axis names.
 *
 * @param <B> the concrete builder, returned by each setter so calls chain
 */
public abstract class ChartBuilder<B extends ChartBuilder<B>> {
  final String id;
  String title;
  String xLabel = "";
  String yLabel = "";
  final List<String> names = new ArrayList<>();

  /** The names of the dashed reference lines, shown in the legend after the series. */
  final List<String> referenceLines = new ArrayList<>();

  ChartBuilder(String id) {
    this.id = id;
  }

  /** A heading drawn above the plot. */
  public B title(String title) {
    this.title = title;
    return self();
  }

  /** The x axis name, with its unit, drawn below the x tick labels. */
  public B xLabel(String label) {
    this.xLabel = label;
    return self();
  }

  /** The y axis name, with its unit, drawn above the y axis. */
  public B yLabel(String label) {
    this.yLabel = label;
    return self();
  }

  /** The chart as one {@code <svg>} element. */
  public abstract String svg();

  abstract B self();

  /** {@code base} with room above for the title and to the right for the legend, if any. */
  Plot framed(Plot base) {
    return base.withMargins(
        title == null ? 30 : 55, hasLegend() ? Svg.legendWidth(names, referenceLines) : 20);
  }

  /** Draws the axes and their names, the legend if there is one, and closes. */
  void finish(StringBuilder out, Plot plot) {
    Svg.axes(out, plot, yLabel, xLabel);
    if (hasLegend()) {
      Svg.legend(out, plot, names, referenceLines);
    }
    Svg.close(out);
  }

  /** A legend when there is something to tell apart: several series, or reference lines. */
  private boolean hasLegend() {
    return names.size() > 1 || !referenceLines.isEmpty();
  }
}
