package io.paramstream.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeatMapTest {

  @Test
  void svg_writesEveryCellAsGivenAndShadesByDistanceFromTheReference() {
    String svg =
        HeatMap.builder("grid")
            .columnGroups(List.of("AdamW"))
            .grid(
                List.of("lr 1e-01", "lr 1e-05"),
                List.of("server", "torch"),
                new String[][] {{"1.0000", "1.0002"}, {"0.9852", "0.0000"}})
            .shade(1, 0.05)
            .svg();

    assertThat(svg)
        .contains(">1.0000<", ">1.0002<", ">0.9852<", ">0.0000<")
        .contains(">AdamW<", ">server<", ">torch<", ">lr 1e-05<")
        .contains("lr 1e-05, torch: 0.0000")
        // 0.0000 is 1 away from 1: full colour; 1.0000 is white.
        .contains(
            "fill=\"#ff3c3c\"><title>lr 1e-05, torch", "fill=\"#ffffff\"><title>lr 1e-01, server");
  }

  @Test
  void grid_rowOfTheWrongLength_isRefused() {
    assertThatThrownBy(
            () ->
                HeatMap.builder("g").grid(List.of("a"), List.of("x", "y"), new String[][] {{"1"}}))
        .hasMessageContaining("1 cells in a row for 2 column labels");
  }
}
