package io.paramstream.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BarChartTest {

  @Test
  void svg_groupedSeries_drawsABarPerValueWithItsLabelAndTheReference() {
    String svg =
        BarChart.builder("p99")
            .yLabel("p99 (ms)")
            .xLabel("run")
            .categories(List.of("1", "2"))
            .series("alone", 4.74, 9.429)
            .series("attacked", 3.19, Double.NaN)
            .reference(10, "target")
            .svg();

    assertThat(svg.split("<title>", -1)).hasSize(4);
    assertThat(svg)
        .contains("alone, 1: 4.74", "alone, 2: 9.429", "attacked, 1: 3.19", ">9.43<")
        .contains(">target<", "stroke-dasharray", ">p99 (ms)<", ">run<", "class=\"legend\"")
        .doesNotContain("NaN");
  }

  @Test
  void svg_valuesPerSeriesNotMatchingCategories_isRefused() {
    BarChart.Builder chart = BarChart.builder("b").categories(List.of("a", "b")).series("s", 1);

    assertThatThrownBy(chart::svg).hasMessageContaining("1 values for 2 categories");
  }
}
