package io.paramstream.charts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TicksTest {

  @Test
  void niceStep_isOneTwoTwoAndAHalfOrFiveTimesAPowerOfTen() {
    assertThat(Ticks.niceStep(1200, 5)).isEqualTo(250);
    assertThat(Ticks.niceStep(10, 8)).isEqualTo(2);
    assertThat(Ticks.niceStep(0.9, 5)).isEqualTo(0.2);
  }

  @Test
  void covering_runsFromAtOrBelowLowToAtOrAboveHigh() {
    assertThat(Ticks.covering(0.3, 0.95, 0.2))
        .containsExactly(0.2, 0.4, 0.6000000000000001, 0.8, 1.0);
  }

  @Test
  void number_isShortWithoutFloatNoise() {
    assertThat(Ticks.number(0.6000000000000001)).isEqualTo("0.6");
    assertThat(Ticks.number(1250)).isEqualTo("1.25k");
    assertThat(Ticks.number(37_397)).isEqualTo("37.4k");
    assertThat(Ticks.number(2_000_000)).isEqualTo("2M");
    assertThat(Ticks.number(0)).isEqualTo("0");
  }

  @Test
  void value_isWholeFromAHundredOnAndThreeDigitsBelow() {
    assertThat(Ticks.value(1758.81)).isEqualTo("1,759");
    assertThat(Ticks.value(37_397.3)).isEqualTo("37,397");
    assertThat(Ticks.value(0.97354)).isEqualTo("0.974");
    assertThat(Ticks.value(9.429)).isEqualTo("9.43");
  }

  @Test
  void duration_picksTheUnitThatKeepsItShort() {
    assertThat(Ticks.duration(1_500_000)).isEqualTo("1.50 ms");
    assertThat(Ticks.duration(10_000)).isEqualTo("10 µs");
  }
}
