package io.paramstream.charts;

import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The SVG primitives the charts share: text, grid lines, axes, legend, all written into a {@link
 * StringBuilder} as inline SVG that needs no script, stylesheet or font download.
 */
public final class Svg {

  /** Ten distinguishable colours (the "tab10" palette), taken in turn by the series. */
  private static final String[] PALETTE = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
  };

  private Svg() {}

  /** The colour of series {@code index}, cycling after ten. */
  public static String color(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /**
   * Opens an {@code <svg>} element of the plot's size on a white background (readable on a dark
   * page too), with an optional title centred in the top margin.
   */
  public static void open(StringBuilder out, String id, Plot plot, String title) {
    out.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">"
                + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>",
            escape(id),
            plot.width(),
            plot.height(),
            plot.width(),
            plot.height()));
    if (title != null) {
      out.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"20\" font-size=\"15\" font-weight=\"bold\""
                  + " text-anchor=\"middle\">%s</text>",
              plot.width() / 2.0,
              escape(title)));
    }
  }

  /** Closes the SVG after writing {@code message} where the plot would be (an empty chart). */
  public static void closeEmpty(StringBuilder out, String message) {
    out.append("<text x=\"100\" y=\"150\">").append(escape(message)).append("</text></svg>");
  }

  public static void close(StringBuilder out) {
    out.append("</svg>");
  }

  /** The x and y axis lines, the y axis name above the axis and the x axis name below the ticks. */
  public static void axes(StringBuilder out, Plot plot, String yName, String xName) {
    int bottom = plot.height() - plot.bottom();
    line(out, plot.left(), bottom, plot.width() - plot.right(), bottom, "black", false);
    line(out, plot.left(), plot.top(), plot.left(), bottom, "black", false);
    text(out, plot.left(), plot.top() - 12, yName, "start");
    text(
        out,
        (plot.left() + plot.width() - plot.right()) / 2.0,
        plot.height() - 10,
        xName,
        "middle");
  }

  /** The colour of reference line {@code index}: dark red, then greys. */
  public static String referenceColor(int index) {
    return index == 0 ? "#b00020" : index == 1 ? "#555555" : "#999999";
  }

  /**
   * One coloured swatch and name per series, then a dashed line and name per reference line,
   * stacked in the right margin.
   */
  public static void legend(
      StringBuilder out, Plot plot, List<String> series, List<String> referenceLines) {
    double x = plot.width() - plot.right() + 15;
    for (int i = 0; i < series.size() + referenceLines.size(); i++) {
      double y = plot.top() + 10 + 20 * i;
      if (i < series.size()) {
        out.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\""
                    + " fill=\"%s\"/>",
                x,
                y - 9,
                color(i)));
        text(out, x + 20, y, series.get(i), "start");
      } else {
        int r = i - series.size();
        line(out, x, y - 4, x + 14, y - 4, referenceColor(r), true);
        text(out, x + 20, y, referenceLines.get(r), "start");
      }
    }
  }

  /** The right margin a {@link #legend} of these names needs. */
  public static int legendWidth(List<String> series, List<String> referenceLines) {
    int longest =
        Stream.concat(series.stream(), referenceLines.stream())
            .mapToInt(String::length)
            .max()
            .orElse(0);
    return 45 + (int) Math.ceil(7.5 * longest);
  }

  public static void gridLine(StringBuilder out, double x1, double y1, double x2, double y2) {
    line(out, x1, y1, x2, y2, "#e3e3e3", false);
  }

  public static void line(
      StringBuilder out, double x1, double y1, double x2, double y2, String color, boolean dashed) {
    out.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>",
            x1,
            y1,
            x2,
            y2,
            color,
            dashed ? " stroke-dasharray=\"6 4\" stroke-width=\"1.5\"" : ""));
  }

  /** A line through {@code points} ("x,y x,y ..."), labelled with its series name. */
  public static void polyline(StringBuilder out, CharSequence points, String color, String name) {
    out.append("<polyline fill=\"none\" stroke=\"")
        .append(color)
        .append("\" stroke-width=\"2\" data-series=\"")
        .append(escape(name))
        .append("\" points=\"")
        .append(points)
        .append("\"/>");
  }

  /** A point marker whose tooltip shows {@code tooltip}. */
  public static void circle(StringBuilder out, double x, double y, String color, String tooltip) {
    out.append(
        String.format(
            Locale.ROOT,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s</title></circle>",
            x,
            y,
            color,
            escape(tooltip)));
  }

  /** A bar whose tooltip shows {@code tooltip}. */
  public static void rect(
      StringBuilder out, double x, double y, double w, double h, String color, String tooltip) {
    out.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                + "<title>%s</title></rect>",
            x,
            y,
            w,
            h,
            color,
            escape(tooltip)));
  }

  public static void text(StringBuilder out, double x, double y, String text, String anchor) {
    textSized(out, x, y, text, anchor, 12);
  }

  public static void textSized(
      StringBuilder out, double x, double y, String text, String anchor, int size) {
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>",
            x,
            y,
            size,
            anchor,
            escape(text)));
  }

  /** Escapes text for HTML and SVG content and attribute values. */
  public static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
