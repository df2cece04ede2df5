package io.paramstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

  @ParameterizedTest
  @CsvSource({
    "250ms, 250",
    "30s, 30000",
    "5m, 300000",
    "1h, 3600000",
    "2d, 172800000",
    "1h30m, 5400000",
    "1m500ms, 60500",
    "0, 0",
    "PT30S, 30000",
    "pt0.5s, 500",
    "PT1H, 3600000",
    "30S, 30000"
  })
  void parse_typedForms_giveTheDuration(String text, long millis) {
    assertThat(DurationConverter.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "60", "60x", "s", "1.5s", "-5s", "PT", "1 h", "1h 30m"})
  void parse_otherText_failsShowingTheForms(String text) {
    assertThatThrownBy(() -> DurationConverter.parse(text))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'" + text + "' is not a duration: " + DurationConverter.EXAMPLES);
  }
}
