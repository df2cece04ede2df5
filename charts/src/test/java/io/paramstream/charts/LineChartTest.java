package io.paramstream.charts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LineChartTest {

  @Test
  void svg_twoSeries_drawsOneLabelledLineEachWithLegendAndTicks() {
    String svg =
        LineChart.builder("loss")
            .title("Training loss")
            .xLabel("epoch")
            .yLabel("loss (cross-entropy)")
            .integerX()
            .series("worker-0", new double[] {1, 2, 3}, new double[] {20, 10, 5})
            .series("worker-1", new double[] {1, 2, 3}, new double[] {22, 11, 6})
            .svg();

    assertThat(svg)
        .startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"loss\"")
        .endsWith("</svg>")
        .contains("data-series=\"worker-0\"", "data-series=\"worker-1\"")
        .contains(">worker-0<", ">worker-1<", "class=\"legend\"")
        .contains(">Training loss<", ">epoch<", ">loss (cross-entropy)<")
        .contains(">1<", ">2<", ">3<", ">0<", ">25<")
        .doesNotContain(">1.5<", ">2.5<", "NaN");
  }

  @Test
  void svg_oneSeries_hasNoLegend() {
    String svg =
        LineChart.builder("t")
            .xFrom(0)
            .xUnit(" s")
            .series("ops", new double[] {1, 10}, new double[] {900, 1200})
            .svg();

    assertThat(svg).contains(">0 s<", ">10 s<", ">1.25k<").doesNotContain("class=\"legend\"");
  }

  @Test
  void svg_nonFinitePoints_areLeftOut() {
    String svg =
        LineChart.builder("a")
            .yRange(0, 1)
            .series("w", new double[] {1, 2, 3}, new double[] {0.5, Double.NaN, 0.9})
            .svg();

    assertThat(svg).doesNotContain("NaN").contains(">0.4<", ">1<");
    assertThat(svg.split("<circle", -1)).hasSize(3);
  }

  @Test
  void svg_tightY_spansTheDataNotZero() {
    String svg =
        LineChart.builder("a")
            .tightY()
            .series("w", new double[] {1, 2}, new double[] {0.79, 0.96})
            .svg();

    assertThat(svg).contains(">0.75<", ">1<").doesNotContain(">0<");
  }

  @Test
  void svg_noFinitePoint_saysSo() {
    assertThat(LineChart.builder("e").series("w", new double[0], new double[0]).svg())
        .contains("no data")
        .endsWith("</svg>");
  }

  @Test
  void svg_nameWithMarkup_isEscaped() {
    String svg =
        LineChart.builder("x")
            .series("<b>", new double[] {1, 2}, new double[] {1, 2})
            .series("a&b", new double[] {1, 2}, new double[] {1, 2})
            .svg();

    assertThat(svg).contains("&lt;b&gt;", "a&amp;b").doesNotContain("<b>");
  }
}
