package io.paramstream.charts;

/**
 * Where a chart draws: the SVG's size and the margins around the plotting area, which hold the tick
 * labels, the axis names, the title and the legend.
 */
public record Plot(int width, int height, int left, int right, int top, int bottom) {

  public Plot {
    if (left + right >= width || top + bottom >= height) {
      throw new IllegalArgumentException("margins leave no plotting area");
    }
  }

  /** 760 x 340 with room for tick labels and axis names, none for a legend. */
  public static Plot standard() {
    return new Plot(760, 340, 80, 20, 30, 50);
  }

  /** This plot with its top and right margins replaced (for a title and a legend). */
  public Plot withMargins(int newTop, int newRight) {
    return new Plot(
        width + newRight - right, height + newTop - top, left, newRight, newTop, bottom);
  }

  /** The x coordinate of a fraction (0 = left edge, 1 = right edge) of the plotting area. */
  public double x(double fraction) {
    return left + fraction * (width - left - right);
  }

  /** The y coordinate of a fraction (0 = bottom, 1 = top) of the plotting area. */
  public double y(double fraction) {
    return height - bottom - fraction * (height - top - bottom);
  }

  public int plotWidth() {
    return width - left - right;
  }
}
